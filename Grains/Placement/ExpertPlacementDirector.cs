using System.Runtime.CompilerServices;
using DistInfer.Grains.Deployments;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>
/// Chooses a silo for expert replica (layer, expert, replica[@pin]). A pinned key goes to the active silo at its pin:
/// deployment and the balancer plan pins (<see cref="ExpertPlacementPlanner"/>, <see cref="Balancing.RebalancePlanner"/>)
/// with the replicas of one expert on distinct silos, spread by free memory and kept on the stage's silo when they
/// fit; both refuse to plan more replicas of an expert than there are silos (a clear DistInferException at deploy).
/// A key whose pinned silo is gone (it died or left) goes where <see cref="ExpertReplacement"/> puts it, judged
/// from this silo's copy of the deployment's replica set: a live silo holding no other replica of the expert (the
/// repair after a death, <see cref="Balancing.SiloDeathRepairer"/>, then pins it there). An unpinned key, a
/// model this silo holds no record of, or a replica no silo is free for takes rank (e + layer + r) mod n of the
/// silos ranked by free accelerator memory, then free host memory (address breaks ties, so every silo ranks alike):
/// consecutive experts of a layer land on different silos and unpinned replicas 0..n-1 of one expert on distinct
/// silos. Only the last case, fewer live silos than replicas, puts a replica beside a sibling: availability first,
/// until the repair drops the extra replica. Every silo holding the same records decides alike.
/// </summary>
public sealed class ExpertPlacementDirector(DeploymentRecords? records = null) : IPlacementDirector
{
    // The replica set by expert, per record held (records are immutable and replaced as a whole).
    private readonly ConditionalWeakTable<DeploymentInfo, ILookup<(int Layer, int Expert), ExpertReplicaInfo>> _byExpert = [];

    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = ExpertKey.Parse(target.GrainId.Key);
        var silos = context.GetCompatibleSilos(target);
        if (!string.IsNullOrEmpty(key.Pin))
        {
            foreach (var silo in silos)
            {
                if (ExpertKey.PinOf(silo.Address.ToString()) == key.Pin)
                {
                    return new(silo.Address);
                }
            }
        }

        var ranked = Rank(silos);
        if (!string.IsNullOrEmpty(key.Pin) && Replacement(key, target.GrainId.Key, ranked) is { } replacement)
        {
            return new(replacement);
        }

        return new(ranked[(key.Expert + key.Layer + key.Replica) % ranked.Count].Address);
    }

    /// <summary>A live silo without another replica of the expert for a replica whose pinned silo is gone; null when none is free.</summary>
    private SiloAddress? Replacement(ExpertKey key, string fullKey, IReadOnlyList<SiloInfo> ranked)
    {
        if (records?.Find(key.Model) is not { } info)
        {
            return null;
        }

        var siblings = _byExpert.GetValue(info, static i => i.ExpertReplicaSet.ToLookup(r => (r.Layer, r.Expert)))[(key.Layer, key.Expert)].ToList();
        if (!siblings.Exists(r => r.Key == fullKey))
        {
            // Not in the set held here (retired since, or this copy is older): still keep clear of the set's replicas.
            siblings.Add(new ExpertReplicaInfo { Layer = key.Layer, Expert = key.Expert, Replica = key.Replica, Key = fullKey, Pin = key.Pin! });
        }

        var pins = new List<string>(ranked.Count);
        foreach (var silo in ranked)
        {
            pins.Add(ExpertKey.PinOf(silo.Address.ToString()));
        }

        return ExpertReplacement.Assign(siblings, pins).GetValueOrDefault(fullKey) is { } pin ? ranked[pins.IndexOf(pin)].Address : null;
    }

    public static IReadOnlyList<SiloInfo> Rank(IReadOnlyList<SiloInfo> silos)
    {
        var ranked = silos.ToList();
        ranked.Sort((a, b) =>
        {
            var byAccelerator = FreeAccelerator(b).CompareTo(FreeAccelerator(a));
            if (byAccelerator != 0)
            {
                return byAccelerator;
            }

            // Host memory differs by noise between otherwise equal machines; compare it in whole GiB.
            var byMemory = (b.Statistics.MemoryAvailableBytes >> 30).CompareTo(a.Statistics.MemoryAvailableBytes >> 30);
            return byMemory != 0 ? byMemory : string.CompareOrdinal(a.Address.ToString(), b.Address.ToString());
        });
        return ranked;
    }

    private static long FreeAccelerator(SiloInfo silo) => silo.Statistics.AcceleratorMemoryFreeBytes >> 30;
}
