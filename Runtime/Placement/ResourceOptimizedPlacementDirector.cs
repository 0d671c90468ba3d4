using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>
/// Lowest weighted pressure of CPU, memory and accelerator memory (the accelerator signal is what Orleans' version
/// lacks); activation count breaks ties.
/// </summary>
public sealed class ResourceOptimizedPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var best = silos[0];
        var bestScore = double.MaxValue;
        foreach (var silo in silos)
        {
            var score = Score(silo.Statistics);
            if (score < bestScore)
            {
                best = silo;
                bestScore = score;
            }
        }

        return new(best.Address);
    }

    public static double Score(SiloStatistics stats)
    {
        var memory = stats.MemoryTotalBytes > 0 ? 1.0 - ((double)stats.MemoryAvailableBytes / stats.MemoryTotalBytes) : 0.5;
        var total = stats.AcceleratorMemoryTotalBytes;
        var free = stats.AcceleratorMemoryFreeBytes;
        var acceleratorPressure = total > 0 ? 1.0 - ((double)free / total) : 0.5;
        return (0.35 * stats.CpuUsage) + (0.3 * memory) + (0.35 * acceleratorPressure) + (stats.ActivationCount * 1e-6);
    }
}
