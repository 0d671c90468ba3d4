namespace DistInfer.Silo.Http;

/// <summary>The collected output of one choice of a non-streaming response.</summary>
internal sealed class ChoiceResult
{
    public System.Text.StringBuilder Text { get; } = new();
    public List<int> TokenIds { get; } = [];

    /// <summary>The deltas' log-probability details in order, when the request asked for them.</summary>
    public List<TokenLogprobs> Logprobs { get; } = [];
    public string FinishReason { get; set; } = "length";
}
