using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A stage activation's state, for status and tests.</summary>
[GenerateSerializer]
public sealed record StageStatus
{
    [Id(0)] public string Silo { get; init; } = "";
    [Id(1)] public bool Loaded { get; init; }
    [Id(2)] public int LiveSequences { get; init; }
    [Id(3)] public long Steps { get; init; }
    [Id(4)] public double BusySeconds { get; init; }
    [Id(5)] public long ParameterBytes { get; init; }

    /// <summary>How this activation got its weights (bytes loaded, shipped); null before it loaded.</summary>
    [Id(6)] public WeightLoadProgress? Weights { get; init; }
}
