using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// One ragged batch step through a stage: sequences, their new token counts, and either token ids (first stage) or
/// the previous stage's hidden states [N, H].
/// </summary>
[GenerateSerializer]
public sealed record StageStep
{
    [Id(0)] public long[] SequenceIds { get; init; } = [];
    [Id(1)] public int[] Counts { get; init; } = [];
    [Id(2)] public int[] Tokens { get; init; } = [];
    [Id(3)] public float[] Hidden { get; init; } = [];

    /// <summary>Cache length each sequence must have before this step (-1: new sequence); a stage that lost state rebuilds.</summary>
    [Id(4)] public int[] ExpectedLengths { get; init; } = [];
}
