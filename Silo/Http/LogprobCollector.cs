using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Silo.Http;

/// <summary>Gathers the tokens of one choice between deltas: each token's own text, log-probability, text offset and alternatives.</summary>
internal sealed class LogprobCollector(BpeTokenizer tokenizer)
{
    private readonly List<string> _tokens = [];
    private readonly List<double> _values = [];
    private readonly List<int> _offsets = [];
    private readonly List<byte[]> _bytes = [];
    private readonly List<LogprobAlternative[]> _top = [];
    private int _offset;

    public void Add(TokenEvent ev)
    {
        // A token decoded alone (special tokens kept, as OpenAI lists them); offsets add up these texts.
        var text = Text(ev.TokenId);
        _tokens.Add(text);
        _values.Add(ev.LogProbability);
        _offsets.Add(_offset);
        _bytes.Add(tokenizer.RawBytes(ev.TokenId));
        _offset += text.Length;
        if (ev.TopLogprobs is not { Length: > 0 } top)
        {
            _top.Add([]);
            return;
        }

        var alternatives = new LogprobAlternative[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            alternatives[i] = new LogprobAlternative(Text(top[i].TokenId), tokenizer.RawBytes(top[i].TokenId), top[i].LogProbability);
        }

        _top.Add(alternatives);
    }

    /// <summary>The tokens added since the last call.</summary>
    public TokenLogprobs Take()
    {
        var taken = new TokenLogprobs([.. _tokens], [.. _values], [.. _offsets], [.. _bytes], [.. _top]);
        _tokens.Clear();
        _values.Clear();
        _offsets.Clear();
        _bytes.Clear();
        _top.Clear();
        return taken;
    }

    private string Text(int id) => tokenizer.Decode([id], skipSpecialTokens: false);
}
