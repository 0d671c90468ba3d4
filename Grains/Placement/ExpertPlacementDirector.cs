using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>
/// Chooses a silo for expert replica (layer, expert, replica). Silos are ranked by free accelerator memory, then free
/// host memory (address breaks ties, so every silo ranks alike); expert e's replica r takes rank (e + layer + r) mod n.
/// Consecutive experts of a layer therefore land on different silos, and the replicas of one expert on distinct silos
/// whenever there are at least as many silos as replicas. Placement is a pure function of the key and the view, so
/// a replica reactivated after a silo loss lands deterministically on a survivor.
/// </summary>
public sealed class ExpertPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = ExpertKey.Parse(target.GrainId.Key);
        var ranked = Rank(context.GetCompatibleSilos(target));
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

    private static long FreeAccelerator(SiloInfo silo)
    {
        long free = 0;
        foreach (var a in silo.Statistics.Accelerators)
        {
            free += a.MemoryFreeBytes;
        }

        return free >> 30;
    }
}
