namespace DistInfer.Silo.Http.Contracts;

/// <summary>
/// Legacy completions' logprobs: per generated token its text, its log-probability under the model, the top
/// alternatives (here the sampled token alone: only logprobs 0 is served) and its offset in the completion text.
/// </summary>
public sealed class CompletionLogprobs
{
    public IReadOnlyList<string> Tokens { get; set; } = [];
    public IReadOnlyList<double> TokenLogprobs { get; set; } = [];
    public IReadOnlyList<Dictionary<string, double>> TopLogprobs { get; set; } = [];
    public IReadOnlyList<int> TextOffset { get; set; } = [];
}
