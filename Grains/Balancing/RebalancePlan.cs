namespace DistInfer.Grains.Balancing;

/// <summary>A planned replica set: all replicas, those to start and those to retire, and balancedness before and expected after.</summary>
public sealed record RebalancePlan(
    IReadOnlyList<ExpertReplicaInfo> Replicas,
    IReadOnlyList<ExpertReplicaInfo> Added,
    IReadOnlyList<ExpertReplicaInfo> Removed,
    double BalancednessBefore,
    double ExpectedBalancedness)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0;
}
