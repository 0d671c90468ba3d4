using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What a rebalance did.</summary>
[GenerateSerializer]
public sealed record RebalanceResult
{
    /// <summary>False when the plan equalled the current replica set (or too few tokens were observed).</summary>
    [Id(0)] public bool Changed { get; init; }
    [Id(1)] public long ReplicaSetVersion { get; init; }
    [Id(2)] public int Added { get; init; }
    [Id(3)] public int Removed { get; init; }

    /// <summary>Measured balancedness of the load the plan was made from (worst layer).</summary>
    [Id(4)] public double BalancednessBefore { get; init; }

    /// <summary>Balancedness the same load would have on the new replica set, split evenly over replicas.</summary>
    [Id(5)] public double ExpectedBalancedness { get; init; }
    [Id(6)] public List<ExpertReplicaInfo> Replicas { get; init; } = [];
}
