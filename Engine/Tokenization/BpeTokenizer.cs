using System.Buffers;
using System.Text;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json with a byte-level BPE model (GPT-2 family): encodes text to ids and decodes
/// ids to text with the same results as the tokenizers library. Thread-safe; build it once per model.
/// </summary>
public sealed class BpeTokenizer
{
    private readonly BpeModel _model;
    private readonly AddedToken[] _addedTokens;
    private readonly AddedTokenSplitter? _splitter;
    private readonly AddedTokenSplitter? _nonSpecialSplitter;
    private readonly Dictionary<string, int> _addedByContent;
    private readonly string?[] _idToToken;
    private readonly byte[]?[] _tokenBytes;
    private readonly bool[] _isSpecial;
    private readonly bool _addPrefixSpace;
    private readonly bool _useRegex;

    internal BpeTokenizer(BpeModel model, AddedToken[] addedTokens, bool addPrefixSpace, bool useRegex)
    {
        _model = model;
        _addedTokens = addedTokens;
        _addPrefixSpace = addPrefixSpace;
        _useRegex = useRegex;
        _splitter = addedTokens.Length > 0 ? new AddedTokenSplitter(addedTokens) : null;
        var nonSpecial = Array.FindAll(addedTokens, static t => !t.Special);
        _nonSpecialSplitter = nonSpecial.Length > 0 ? new AddedTokenSplitter(nonSpecial) : null;

        var size = 0;
        foreach (var id in model.Vocab.Values)
        {
            size = Math.Max(size, id + 1);
        }

        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in addedTokens)
        {
            size = Math.Max(size, token.Id + 1);
            _addedByContent[token.Content] = token.Id;
        }

        VocabSize = size;
        _idToToken = new string?[size];
        _tokenBytes = new byte[]?[size];
        _isSpecial = new bool[size];
        foreach (var (token, id) in model.Vocab)
        {
            _idToToken[id] = token;
        }

        // Added tokens win over a vocabulary entry with the same id, as in the tokenizers library.
        foreach (var token in addedTokens)
        {
            _idToToken[token.Id] = token.Content;
            _isSpecial[token.Id] = token.Special;
        }

        for (var id = 0; id < size; id++)
        {
            if (_idToToken[id] is { } token)
            {
                _tokenBytes[id] = ByteLevelAlphabet.TokenToBytes(token);
            }
        }
    }

    /// <summary>One more than the highest id of the vocabulary and the added tokens (ids may have gaps).</summary>
    public int VocabSize { get; }

    public IReadOnlyList<AddedToken> AddedTokens => _addedTokens;

    internal BpeModel Model => _model;

    /// <summary>Reads a tokenizer.json file; throws <see cref="TokenizerException"/> naming the file and problem.</summary>
    public static BpeTokenizer FromFile(string tokenizerJsonPath) => TokenizerJsonReader.Read(tokenizerJsonPath);

    /// <summary>Reads tokenizer.json from a Hugging Face model directory.</summary>
    public static BpeTokenizer FromDirectory(string modelDir)
    {
        if (!Directory.Exists(modelDir))
        {
            throw new TokenizerException($"Model directory '{modelDir}' does not exist.");
        }

        var path = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(path))
        {
            throw new TokenizerException(
                $"Model directory '{modelDir}' has no tokenizer.json (vocab.json/merges.txt alone are not supported).");
        }

        return FromFile(path);
    }

    /// <summary>The id of a vocabulary token in its byte-level form (e.g. "Ġthe") or of an added token.</summary>
    public int? TokenToId(string token)
    {
        if (_addedByContent.TryGetValue(token, out var added))
        {
            return added;
        }

        return _model.Vocab.TryGetValue(token, out var id) ? id : null;
    }

    /// <summary>The token string of an id (byte-level form for vocabulary tokens), or null if no token has it.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text.AsSpan());
    }

    /// <summary>Token ids of <paramref name="text"/>; added tokens appearing in it are emitted as their ids.</summary>
    public int[] Encode(ReadOnlySpan<char> text) => Encode(text, recognizeSpecialTokens: true);

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="recognizeSpecialTokens"/> false, special tokens in
    /// the text are encoded as ordinary text (the tokenizers library's split_special_tokens), so untrusted input
    /// cannot inject, say, an end-of-text token; non-special added tokens are still recognised.
    /// </summary>
    public int[] Encode(ReadOnlySpan<char> text, bool recognizeSpecialTokens)
    {
        var output = new List<int>(text.Length / 3 + 4);
        var splitter = recognizeSpecialTokens ? _splitter : _nonSpecialSplitter;
        if (splitter is null)
        {
            EncodeText(text, output);
            return [.. output];
        }

        var segments = new List<TextSegment>();
        splitter.Split(text, segments);
        foreach (var segment in segments)
        {
            if (segment.TokenId >= 0)
            {
                output.Add(segment.TokenId);
            }
            else
            {
                EncodeText(text.Slice(segment.Start, segment.Length), output);
            }
        }

        return [.. output];
    }

    /// <summary>
    /// Text of <paramref name="ids"/>. Invalid UTF-8 (a character cut off at the end) becomes U+FFFD; ids no token
    /// has are skipped, as the tokenizers library does.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true)
    {
        var length = 0;
        foreach (var id in ids)
        {
            length += TokenBytes(id, skipSpecialTokens).Length;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var pos = 0;
            foreach (var id in ids)
            {
                var bytes = TokenBytes(id, skipSpecialTokens);
                bytes.CopyTo(buffer.AsSpan(pos));
                pos += bytes.Length;
            }

            return Encoding.UTF8.GetString(buffer, 0, pos);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A decoder for generation output that yields text as soon as it is complete UTF-8.</summary>
    public TokenStreamDecoder CreateStreamDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    /// <summary>A copy of one token's raw bytes, special tokens included (empty for an unknown id): OpenAI's logprobs "bytes".</summary>
    public byte[] RawBytes(int id) => TokenBytes(id, skipSpecialTokens: false).ToArray();

    /// <summary>Raw bytes of a token; empty for unknown ids and, when skipping, for special tokens.</summary>
    internal ReadOnlySpan<byte> TokenBytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)_tokenBytes.Length || (skipSpecialTokens && _isSpecial[id]))
        {
            return default;
        }

        return _tokenBytes[id];
    }

    private void EncodeText(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_addPrefixSpace && text[0] != ' ')
        {
            var prefixed = new char[text.Length + 1];
            prefixed[0] = ' ';
            text.CopyTo(prefixed.AsSpan(1));
            text = prefixed;
        }

        if (!_useRegex)
        {
            _model.EncodePiece(text, output);
            return;
        }

        var start = 0;
        while (start < text.Length)
        {
            var end = Gpt2PreTokenizer.NextPieceEnd(text, start);
            _model.EncodePiece(text[start..end], output);
            start = end;
        }
    }
}
