using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Tokens produced since the previous poll; <see cref="FinishReason"/> is set on the last chunk.</summary>
[GenerateSerializer]
public sealed record GenerationChunk
{
    [Id(0)] public int[] Tokens { get; init; } = [];
    [Id(1)] public string? FinishReason { get; init; }

    /// <summary>Each token's log-probability under the model's raw distribution (aligned with <see cref="Tokens"/>).</summary>
    [Id(2)] public double[] LogProbabilities { get; init; } = [];

    /// <summary>
    /// When the request asked for top logprobs: the most likely tokens at each position, best first, concatenated
    /// (the request's TopLogprobs entries per token), with their log-probabilities in <see cref="TopLogProbabilities"/>.
    /// </summary>
    [Id(3)] public int[] TopTokenIds { get; init; } = [];

    [Id(4)] public double[] TopLogProbabilities { get; init; } = [];
}
