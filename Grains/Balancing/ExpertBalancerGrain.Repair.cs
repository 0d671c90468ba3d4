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
        if (!plan.Changed)
        {
            return Unchanged(info, 0, 0);
        }

        var updated = await ApplyAsync(info, plan);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "repaired {Model} to replica set {Version}: {Moved} replicas of lost silos moved to live ones, {Dropped} dropped (no live silo without a replica of their expert)")]
    private static partial void LogRepaired(ILogger logger, string model, long version, int moved, int dropped);
}
