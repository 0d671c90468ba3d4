using System.Text;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Incremental detokenizer for generation: feed ids one at a time and get back only text that is complete UTF-8,
/// holding back the first bytes of a character split across tokens. The concatenated output equals
/// <see cref="BpeTokenizer.Decode"/> of all ids. Not thread-safe: one per generation stream.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly BpeTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private char[] _chars = new char[16];

    public TokenStreamDecoder(BpeTokenizer tokenizer, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token; returns the text it completes (empty while a character is still partial).</summary>
    public string Append(int id) => Convert(_tokenizer.TokenBytes(id, _skipSpecialTokens), flush: false);

    /// <summary>Ends the stream: bytes of an unfinished character come out as U+FFFD, as a full decode gives.</summary>
    public string Flush() => Convert([], flush: true);

    /// <summary>Forgets held bytes so the decoder can start a new stream.</summary>
    public void Reset() => _utf8.Reset();

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        // Each byte yields at most one char, plus up to 3 held bytes flushed as replacement characters.
        var needed = bytes.Length + 4;
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        var written = _utf8.GetChars(bytes, _chars, flush);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }
}
