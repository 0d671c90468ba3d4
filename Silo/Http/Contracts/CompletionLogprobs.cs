namespace DistInfer.Silo.Http.Contracts;

/// <summary>
/// Legacy completions' logprobs: per generated token its text, its log-probability under the model, the top
/// alternatives (the logprobs most likely tokens, plus the sampled one when it is not among them, keyed by text) and
/// its offset in the completion text.
/// </summary>
public sealed class CompletionLogprobs
{
    public IReadOnlyList<string> Tokens { get; set; } = [];
    public IReadOnlyList<double> TokenLogprobs { get; set; } = [];
    public IReadOnlyList<Dictionary<string, double>> TopLogprobs { get; set; } = [];
    public IReadOnlyList<int> TextOffset { get; set; } = [];
}
