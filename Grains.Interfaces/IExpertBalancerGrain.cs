using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Key: the model name. Reads the expert replicas' load, and rebalances (EPLB-style: more replicas for the experts
/// with the highest load per replica, replicas packed onto silos by load) on demand or on a period.
/// </summary>
public interface IExpertBalancerGrain : IGrainWithStringKey
{
    /// <summary>Tokens each replica served since the last rebalance or reset, in flight tokens, and balancedness.</summary>
    [AlwaysInterleave]
    Task<ExpertLoadReport> Report();

    /// <summary>Plans and applies a new replica set from the load since the last rebalance; returns what changed.</summary>
    [ResponseTimeout("00:10:00")]
    Task<RebalanceResult> Rebalance(RebalanceRequest request);

    /// <summary>Forgets the load observed so far (the next report counts from now).</summary>
    Task ResetStatistics();

    /// <summary>Rebalances every <paramref name="period"/> with <paramref name="request"/> until <see cref="StopPeriodic"/>.</summary>
    Task StartPeriodic(RebalanceRequest request, TimeSpan period);

    Task StopPeriodic();
}
