using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>
/// Stages of a model spread over the silos with the most free memory: silos with room on an accelerator if there are
/// any, else all. Among those whose memory pressure (the accelerator's, else the host's) is within
/// <see cref="Margin"/> of the least, stage s of replica r goes to the (h + r + s)-th in address order, h a hash of the
/// model: consecutive stages land on different silos, and silos choosing for the same key from the same view choose
/// alike (a pipeline's stages are activated from several silos). Placed by load scores alone, every stage of a
/// deployment went to one silo: they are activated within moments, before any silo's statistics show the first ones'
/// weights. CPU usage is left out: it moves by the second, weights stay.
/// </summary>
public sealed class StagePlacementDirector : IPlacementDirector
{
    /// <summary>Pressure (0..1) within which silos count as equally good for a stage.</summary>
    internal const double Margin = 0.15;

    /// <summary>Accelerator memory pressure above which a device silo no longer comes before host-only silos.</summary>
    private const double DeviceFull = 0.9;

    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);

        // Silos with accelerator memory to spare come first (a stage there runs on the device), then the rest.
        var onDevices = false;
        foreach (var silo in silos)
        {
            onDevices |= HasRoomOnDevice(silo.Statistics);
        }

        var pressures = new double[silos.Count];
        var least = double.MaxValue;
        for (var i = 0; i < silos.Count; i++)
        {
            pressures[i] = onDevices && !HasRoomOnDevice(silos[i].Statistics) ? double.MaxValue : Pressure(silos[i].Statistics);
            least = Math.Min(least, pressures[i]);
        }

        var candidates = new List<SiloAddress>(silos.Count);
        for (var i = 0; i < silos.Count; i++)
        {
            if (pressures[i] <= least + Margin)
            {
                candidates.Add(silos[i].Address);
            }
        }

        candidates.Sort(static (a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        var (model, replica, stage) = Parse(target.GrainId.Key);
        var turn = (StableHash.Compute(model) + (uint)replica + (uint)stage) % (uint)candidates.Count;
        return new(candidates[(int)turn]);
    }

    private static bool HasRoomOnDevice(SiloStatistics stats) => stats.Accelerators.Count > 0 && Pressure(stats) < DeviceFull;

    /// <summary>Memory pressure: accelerator memory's where the silo has any, else host memory's; 0.5 when unknown.</summary>
    internal static double Pressure(SiloStatistics stats)
    {
        if (stats.AcceleratorMemoryTotalBytes is > 0 and var total)
        {
            return 1.0 - ((double)stats.AcceleratorMemoryFreeBytes / total);
        }

        return stats.MemoryTotalBytes > 0 ? 1.0 - ((double)stats.MemoryAvailableBytes / stats.MemoryTotalBytes) : 0.5;
    }

    /// <summary>A stage key "{model}/{replica}/{stage}" (a model name may hold slashes); replica and stage 0 otherwise.</summary>
    internal static (string Model, int Replica, int Stage) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        var before = slash > 0 ? key.LastIndexOf('/', slash - 1) : -1;
        return before > 0
            && int.TryParse(key.AsSpan(before + 1, slash - before - 1), out var replica)
            && int.TryParse(key.AsSpan(slash + 1), out var stage)
            ? (key[..before], replica, stage)
            : (key, 0, 0);
    }
}
