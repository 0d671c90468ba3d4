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

    /// <summary>UTC ticks at which each of the most recent busy intervals (one micro-batch through the stage) began.</summary>
    [Id(8)] public long[] BusyStartTicks { get; init; } = [];

    /// <summary>UTC ticks at which each interval of <see cref="BusyStartTicks"/> ended.</summary>
    [Id(9)] public long[] BusyEndTicks { get; init; } = [];

    /// <summary>Busy time over wall time across the span of the recorded intervals (0 before the first step).</summary>
    [Id(10)] public double Utilisation { get; init; }
}
