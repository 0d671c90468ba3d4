using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>How much room the balancer has.</summary>
[GenerateSerializer]
public sealed record RebalanceRequest
{
    /// <summary>Expert slots (replicas) per MoE layer; 0 keeps each layer's current count. At least the expert count.</summary>
    [Id(0)] public int SlotsPerLayer { get; init; }

    /// <summary>Cap on one expert's replicas; 0 means the number of silos (replicas of one expert never share a silo).</summary>
    [Id(1)] public int MaxReplicasPerExpert { get; init; }

    /// <summary>Below this many observed tokens the balancer leaves the replica set alone (too little evidence).</summary>
    [Id(2)] public long MinTokens { get; init; } = 1;

    /// <summary>
    /// With less load observed than <see cref="MinTokens"/>, plan as if every replica had served the same load instead
    /// of leaving the set alone: replicas still spread over the silos (what a silo joining an idle cluster needs).
    /// </summary>
    [Id(3)] public bool SpreadWhenIdle { get; init; }

    /// <summary>
    /// A budget below what the deployment keeps (its expert replicas per expert) is raised to it instead of refused:
    /// for rebalances nobody asked for in person (periodic, on join), whose budget is a silo-wide setting.
    /// </summary>
    [Id(4)] public bool RaiseToDeployedReplicas { get; init; }
}
