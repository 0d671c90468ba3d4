using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>
/// Chooses a silo for expert replica (layer, expert, replica[@pin]). A pinned key goes to the active silo at its pin:
/// deployment and the balancer plan pins (<see cref="ExpertPlacementPlanner"/>, <see cref="Balancing.RebalancePlanner"/>)
/// with the replicas of one expert on distinct silos, spread by free memory and kept on the stage's silo when they
/// fit; both refuse to plan more replicas of an expert than there are silos (a clear DistInferException at deploy).
/// An unpinned key, or one whose pinned silo is gone, takes rank (e + layer + r) mod n of the silos ranked by free
/// accelerator memory, then free host memory (address breaks ties, so every silo ranks alike): consecutive experts
/// of a layer land on different silos and unpinned replicas 0..n-1 of one expert on distinct silos. Fallback
/// after a silo loss prefers availability: the reactivated replica may land beside a sibling (the director sees
/// only the key and the view), and the next rebalance, which keeps one replica per expert per silo, retires the
/// duplicate. Placement is a pure function of the key and the view, so every silo decides alike.
/// </summary>
public sealed class ExpertPlacementDirector : IPlacementDirector
{
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
        return new(ranked[(key.Expert + key.Layer + key.Replica) % ranked.Count].Address);
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
