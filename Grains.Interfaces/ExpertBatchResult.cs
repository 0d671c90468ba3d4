using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// The answer to an <see cref="ExpertBatch"/>: unweighted outputs in the batch's layout, and the indexes of the
/// replicas that hold no weights on the silo (their rows are zero; the caller calls their grains instead).
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record ExpertBatchResult
{
    [Id(0)] public float[] Outputs { get; init; } = [];
    [Id(1)] public int[] Missing { get; init; } = [];
}
