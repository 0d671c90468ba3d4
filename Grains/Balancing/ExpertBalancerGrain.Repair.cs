using DistInfer.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Balancing;

/// <summary>The balancer's repair after silos left (<see cref="ExpertRepairPlanner"/>, called by <see cref="SiloDeathRepairer"/>).</summary>
public sealed partial class ExpertBalancerGrain
{
    public async Task<RebalanceResult> Repair()
    {
        // Only the committed set and the view: asking the replicas (as a rebalance does) would reactivate the lost
        // ones just to be told where placement put them.
        if (await Registry.Describe() is not { } info)
        {
            return new RebalanceResult();
        }

        var silos = ExpertPlacementPlanner.ExpertSilos(membership.Current).Select(s => ExpertKey.PinOf(s.Address.ToString())).ToList();
        if (silos.Count == 0)
        {
            return Unchanged(info, 0, 0);
        }

        var plan = ExpertRepairPlanner.Plan(info.Name, info.ExpertReplicaSet, silos);

        // A silo restarted on the dead one's endpoint has its pin, so its replicas stay in the set, but their
        // activations died with the old process: load them now, not in the first request that routes to them.
        var warming = WarmAsync(info, plan, silos);
        if (!plan.Changed)
        {
            await warming;
            return Unchanged(info, 0, 0);
        }

        DeploymentInfo updated;
        _repairing = true;
        try
        {
            updated = await ApplyAsync(info, plan);
        }
        finally
        {
            _repairing = false;
        }

        await warming;
        LogRepaired(logger, updated.Name, updated.ReplicaSetVersion, plan.Added.Count, plan.Removed.Count - plan.Added.Count);
        return new RebalanceResult
        {
            Changed = true,
            ReplicaSetVersion = updated.ReplicaSetVersion,
            Added = plan.Added.Count,
            Removed = plan.Removed.Count,
            Replicas = updated.ExpertReplicaSet,
        };
    }

    /// <summary>Loads (a no-op where loaded) every replica the repair keeps on a live silo; failures only log.</summary>
    private async Task WarmAsync(DeploymentInfo info, RebalancePlan plan, List<string> silos)
    {
        var live = silos.ToHashSet(StringComparer.Ordinal);
        var moved = plan.Removed.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var loads = info.ExpertReplicaSet.Where(r => live.Contains(r.Pin) && !moved.Contains(r.Key)).Select(async r =>
        {
            try
            {
                await GrainFactory.GetGrain<IExpertGrain>(r.Key)
                    .Load(new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = r.Layer, Expert = r.Expert, Sources = info.Sources });
            }
            catch (Exception e)
            {
                // The first call routed to it loads it, as before.
                LogWarmFailed(logger, r.Key, e);
            }
        });
        await Task.WhenAll(loads);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "loading expert replica {Replica} after a silo death failed; its first call loads it")]
    private static partial void LogWarmFailed(ILogger logger, string replica, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "repaired {Model} to replica set {Version}: {Moved} replicas of lost silos moved to live ones, {Dropped} dropped (no live silo without a replica of their expert)")]
    private static partial void LogRepaired(ILogger logger, string model, long version, int moved, int dropped);
}
