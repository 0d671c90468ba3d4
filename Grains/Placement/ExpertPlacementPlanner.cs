using DistInfer.Engine;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Grains.Placement;

/// <summary>
/// Plans where a deployment's expert replicas run, as silo pins in their keys. Each layer's replicas are dealt over
/// the silos in proportion to free memory (accelerator memory where a silo has any, else host memory, in eighths
/// of the largest; see <see cref="Weights"/>): a replica goes to the silo with the fewest of the layer's replicas per unit
/// of weight, ties to the layer's stage silo (so an expert stays beside its stage when it fits), then to the
/// better-ranked silo. A silo never takes two replicas of
/// one expert, nor more expert bytes than it has free; an expert that fits nowhere is a deployment error.
/// </summary>
public static class ExpertPlacementPlanner
{
    /// <summary>Silos able to host expert grains, ranked as <see cref="ExpertPlacementDirector.Rank"/> does.</summary>
    public static IReadOnlyList<SiloInfo> ExpertSilos(ClusterMembershipSnapshot view)
    {
        var name = typeof(IExpertGrain).FullName!;
        var silos = new List<SiloInfo>();
        foreach (var silo in view.ActiveSilos)
        {
            if (silo.Hosts(name))
            {
                silos.Add(silo);
            }
        }

        return ExpertPlacementDirector.Rank(silos);
    }

    /// <summary>Free bytes placement may use on a silo: accelerator memory where it has any, else host memory; 0 when unknown.</summary>
    public static long FreeBytes(SiloInfo silo) =>
        silo.Statistics.AcceleratorMemoryFreeBytes is > 0 and var free ? free : silo.Statistics.MemoryAvailableBytes;

    /// <summary>
    /// Each silo's share of a layer's replicas: its free bytes in units of an eighth of the largest (a GiB at least),
    /// rounded, at least 1. Silos whose free memory differs by a few percent (sampled at different moments on like
    /// machines) weigh the same, so ties, and with them the stage silo's share, do not change between deployments.
    /// </summary>
    public static double[] Weights(IReadOnlyList<(string Pin, long FreeBytes)> silos)
    {
        long largest = 0;
        foreach (var (_, free) in silos)
        {
            largest = Math.Max(largest, free);
        }

        var unit = Math.Max(1L << 30, largest / 8);
        var weight = new double[silos.Count];
        for (var s = 0; s < silos.Count; s++)
        {
            weight[s] = Math.Max(1, Math.Round((double)Math.Max(0, silos[s].FreeBytes) / unit));
        }

        return weight;
    }

    /// <param name="model">Model name (key prefix).</param>
    /// <param name="moeLayers">Layers with routed experts.</param>
    /// <param name="experts">Experts per layer.</param>
    /// <param name="replicas">Replicas of every expert.</param>
    /// <param name="stagePinOfLayer">Pin (host:port) of the silo running each layer's stage, where known.</param>
    /// <param name="silos">Pin and free bytes (0: unknown, no limit) of each silo, best-ranked first.</param>
    /// <param name="expertBytes">Bytes of one expert's weights.</param>
    public static List<ExpertReplicaInfo> Plan(string model, IReadOnlyList<int> moeLayers, int experts, int replicas,
        IReadOnlyDictionary<int, string> stagePinOfLayer, IReadOnlyList<(string Pin, long FreeBytes)> silos, long expertBytes)
    {
        if (replicas > silos.Count)
        {
            throw new DistInferException($"{replicas} replicas per expert need as many silos hosting experts, but there are {silos.Count}: replicas of one expert never share a silo");
        }

        var planned = new long[silos.Count];
        var weight = Weights(silos);

        var result = new List<ExpertReplicaInfo>(moeLayers.Count * experts * replicas);
        foreach (var layer in moeLayers)
        {
            var stagePin = stagePinOfLayer.GetValueOrDefault(layer);
            var inLayer = new int[silos.Count];
            for (var e = 0; e < experts; e++)
            {
                var used = new bool[silos.Count];
                for (var r = 0; r < replicas; r++)
                {
                    var best = -1;
                    for (var s = 0; s < silos.Count; s++)
                    {
                        var fits = silos[s].FreeBytes <= 0 || planned[s] + expertBytes <= silos[s].FreeBytes;
                        if (used[s] || !fits)
                        {
                            continue;
                        }

                        if (best < 0 || Better(s, best))
                        {
                            best = s;
                        }
                    }

                    if (best < 0)
                    {
                        throw new DistInferException($"layer {layer} expert {e} replica {r} ({expertBytes} bytes) fits on no silo without another replica of it");
                    }

                    used[best] = true;
                    inLayer[best]++;
                    planned[best] += expertBytes;
                    var pin = silos[best].Pin;
                    result.Add(new ExpertReplicaInfo
                    {
                        Layer = layer,
                        Expert = e,
                        Replica = r,
                        Pin = pin,
                        Key = new ExpertKey(model, layer, e, r, pin).ToString(),
                    });
                }
            }

            bool Better(int s, int best)
            {
                var a = (inLayer[s] + 1) / weight[s];
                var b = (inLayer[best] + 1) / weight[best];
                if (a != b)
                {
                    return a < b;
                }

                return silos[s].Pin == stagePin && silos[best].Pin != stagePin;
            }
        }

        return result;
    }
}
