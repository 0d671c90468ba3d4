using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A model's expert load: one row per expert slot, and balancedness = mean / max tokens per slot.</summary>
[GenerateSerializer]
public sealed record ExpertLoadReport
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public long ReplicaSetVersion { get; init; }
    [Id(2)] public List<ExpertLoadRow> Rows { get; init; } = [];

    /// <summary>Balancedness of each MoE layer, in <see cref="DeploymentInfo.MoeLayers"/> order (1 when idle).</summary>
    [Id(3)] public List<double> LayerBalancedness { get; init; } = [];

    /// <summary>The worst layer's balancedness.</summary>
    [Id(4)] public double Balancedness { get; init; } = 1;

    /// <summary>Tokens served by every slot since the last reset.</summary>
    [Id(5)] public long Tokens { get; init; }
}
