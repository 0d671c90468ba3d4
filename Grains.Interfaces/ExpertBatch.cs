using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// The tokens of several experts of one layer whose picked replicas run on one silo: replica
/// <see cref="Keys"/>[i] gets <see cref="Rows"/>[i] rows of width H, laid out one expert after another in
/// <see cref="Tokens"/> in key order. [Immutable]: the stage built it for this call alone.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record ExpertBatch
{
    [Id(0)] public string[] Keys { get; init; } = [];
    [Id(1)] public int[] Rows { get; init; } = [];
    [Id(2)] public float[] Tokens { get; init; } = [];
}
