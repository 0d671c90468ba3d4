using System.Text;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Silo.Http;

/// <summary>
/// Keeps a choice's logprobs in step with its text: each token's own text, log-probability, offset and
/// alternatives are sent in the delta whose text completes the token, and text is sent only up to the end of a
/// token, so every delta's logprobs describe exactly its text. On the last delta a token cut by a stop sequence
/// keeps its text up to the cut; tokens wholly inside or after the stop sequence are left out.
/// </summary>
internal sealed class LogprobCollector(BpeTokenizer tokenizer)
{
    private readonly List<Pending> _pending = [];

    // Text released by the stop matcher but not yet sent; it starts where the first pending token starts.
    private readonly StringBuilder _held = new();
    private int _decoded;
    private int _sent;

    /// <summary>Adds a generated token; <paramref name="decodedChars"/>: the characters of text it completed.</summary>
    public void Add(TokenEvent ev, int decodedChars)
    {
        // Offsets count the decoded text itself, so they stay right where a character spans tokens.
        _pending.Add(new Pending(ev, _decoded, _decoded + decodedChars));
        _decoded += decodedChars;
    }

    /// <summary>
    /// Takes text the stop matcher released; returns what may be sent now. <paramref name="last"/>: the choice ends
    /// here, so all text goes out, and a token the text ends inside is cut to its part of the text.
    /// </summary>
    public LogprobRelease Take(string text, bool last)
    {
        _held.Append(text);
        var end = _sent + _held.Length;
        var tokens = new List<string>();
        var whole = new List<string>();
        var values = new List<double>();
        var offsets = new List<int>();
        var bytes = new List<byte[]>();
        var top = new List<LogprobAlternative[]>();
        var count = 0;

        // Cut by a stop sequence: a token that starts at the cut, even one completing no character yet (the first
        // bytes of a multi-byte one), belongs to the stop sequence.
        var stopped = last && end < _decoded;
        foreach (var p in _pending)
        {
            if (stopped && p.Start >= end)
            {
                break;
            }

            if (p.End <= end)
            {
                // A token decoded alone (special tokens kept, as OpenAI lists them).
                tokens.Add(Text(p.Event.TokenId));
                bytes.Add(tokenizer.RawBytes(p.Event.TokenId));
            }
            else if (last && p.Start < end)
            {
                var cut = _held.ToString(p.Start - _sent, end - p.Start);
                tokens.Add(cut);
                bytes.Add(Encoding.UTF8.GetBytes(cut));
            }
            else
            {
                break;
            }

            whole.Add(Text(p.Event.TokenId));
            values.Add(p.Event.LogProbability);
            offsets.Add(p.Start);
            top.Add(Alternatives(p.Event));
            count++;
        }

        var boundary = last || count == _pending.Count ? end : _pending[count].Start;
        var sent = _held.ToString(0, boundary - _sent);
        _held.Remove(0, boundary - _sent);
        _sent = boundary;
        _pending.RemoveRange(0, last ? _pending.Count : count);
        return new LogprobRelease(sent, count, new TokenLogprobs([.. tokens], [.. whole], [.. values], [.. offsets], [.. bytes], [.. top]));
    }

    private LogprobAlternative[] Alternatives(TokenEvent ev)
    {
        if (ev.TopLogprobs is not { Length: > 0 } top)
        {
            return [];
        }

        var alternatives = new LogprobAlternative[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            alternatives[i] = new LogprobAlternative(Text(top[i].TokenId), tokenizer.RawBytes(top[i].TokenId), top[i].LogProbability);
        }

        return alternatives;
    }

    private string Text(int id) => tokenizer.Decode([id], skipSpecialTokens: false);

    /// <summary>A token not yet sent and the span of decoded text it completed.</summary>
    private readonly record struct Pending(TokenEvent Event, int Start, int End);
}
