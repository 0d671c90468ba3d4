using DistInfer.Engine.Tokenization;

namespace DistInfer.Silo.Http;

/// <summary>Gathers the tokens of one choice between deltas: each token's own text, log-probability and text offset.</summary>
internal sealed class LogprobCollector(BpeTokenizer tokenizer)
{
    private readonly List<string> _tokens = [];
    private readonly List<double> _values = [];
    private readonly List<int> _offsets = [];
    private int _offset;

    public void Add(int tokenId, double logProbability)
    {
        // A token decoded alone (special tokens kept, as OpenAI lists them); offsets add up these texts.
        var text = tokenizer.Decode([tokenId], skipSpecialTokens: false);
        _tokens.Add(text);
        _values.Add(logProbability);
        _offsets.Add(_offset);
        _offset += text.Length;
    }

    /// <summary>The tokens added since the last call.</summary>
    public TokenLogprobs Take()
    {
        var taken = new TokenLogprobs([.. _tokens], [.. _values], [.. _offsets]);
        _tokens.Clear();
        _values.Clear();
        _offsets.Clear();
        return taken;
    }
}
