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

    /// <summary>
    /// After silos left: replaces each replica pinned to a silo that is no longer active by one pinned to a live
    /// silo holding no other replica of its expert, or drops it when there is none, leaving the other replicas and
    /// the load alone (the silos' death listener calls it). Balancedness is not measured: both values are 0.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    Task<RebalanceResult> Repair();

    /// <summary>Forgets the load observed so far (the next report counts from now).</summary>
    Task ResetStatistics();

    /// <summary>Rebalances every <paramref name="period"/> with <paramref name="request"/> until <see cref="StopPeriodic"/>.</summary>
    Task StartPeriodic(RebalanceRequest request, TimeSpan period);

    Task StopPeriodic();
}
