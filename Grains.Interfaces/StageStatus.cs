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

    /// <summary>Per expert replica this stage dispatches to: tokens sent and tokens in flight.</summary>
    [Id(6)] public List<ExpertDispatchRow> Dispatch { get; init; } = [];

    /// <summary>The version of the expert replica set the stage dispatches to.</summary>
    [Id(7)] public long ReplicaSetVersion { get; init; }
}
