using DistInfer.Engine;
using DistInfer.Engine.Partitioning;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// Turns observed load into a new expert replica set, layer by layer, with the engine's EPLB-style
/// <see cref="ExpertBalancer"/>: replica counts by load per replica (using as many of the allowed slots as improve
/// balancedness), then replicas packed onto silos by load, the packer's silos matched to real ones so that as many
/// replicas as possible stay where they run. A replica already running on a
/// silo the plan keeps for its expert stays (same key, no reload); the rest are added with new replica numbers and
/// pins, and the replicas not kept are removed.
/// </summary>
public static class RebalancePlanner
{
    /// <param name="model">Model name (key prefix).</param>
    /// <param name="moeLayers">Layers with routed experts.</param>
    /// <param name="experts">Experts per layer.</param>
    /// <param name="current">The current replica set, with the load each replica served and the pin of the silo it runs on.</param>
    /// <param name="silos">Pins of the silos that may host experts, best-ranked first.</param>
    /// <param name="request">Slot budget and replica cap.</param>
    /// <param name="minReplicasPerExpert">
    /// The replicas per expert the deployment asked for: a floor, so that no rebalance (an idle cluster's spread after a
    /// join, or a layer whose load a single replica serves evenly) takes away the redundancy it was deployed with. Fewer
    /// only while fewer silos host experts.
    /// </param>
    public static RebalancePlan Plan(string model, IReadOnlyList<int> moeLayers, int experts,
        IReadOnlyList<(ExpertReplicaInfo Replica, long Tokens, string RunsOn)> current, IReadOnlyList<string> silos, RebalanceRequest request,
        int minReplicasPerExpert = 1)
    {
        if (silos.Count == 0)
        {
            throw new DistInferException("no active silo hosts expert grains; nothing to rebalance onto");
        }

        var maxReplicas = request.MaxReplicasPerExpert > 0 ? Math.Min(request.MaxReplicasPerExpert, silos.Count) : silos.Count;
        var minReplicas = Math.Clamp(minReplicasPerExpert, 1, silos.Count);
        maxReplicas = Math.Max(maxReplicas, minReplicas);
        var replicas = new List<ExpertReplicaInfo>();
        var added = new List<ExpertReplicaInfo>();
        var removed = new List<ExpertReplicaInfo>();
        double before = 1, after = 1;
        for (var i = 0; i < moeLayers.Count; i++)
        {
            var layer = moeLayers[i];
            var load = new double[experts];
            var nextId = new int[experts];
            var existing = new List<(ExpertReplicaInfo Replica, long Tokens, string RunsOn)>[experts];
            var slotTokens = new List<double>();
            for (var e = 0; e < experts; e++)
            {
                existing[e] = [];
            }

            foreach (var c in current)
            {
                if (c.Replica.Layer == layer && c.Replica.Expert >= 0 && c.Replica.Expert < experts)
                {
                    existing[c.Replica.Expert].Add(c);
                    load[c.Replica.Expert] += c.Tokens;
                    nextId[c.Replica.Expert] = Math.Max(nextId[c.Replica.Expert], c.Replica.Replica + 1);
                    slotTokens.Add(c.Tokens);
                }
            }

            before = Math.Min(before, ExpertBalancer.Balancedness(slotTokens));
            var budget = request.SlotsPerLayer > 0 ? request.SlotsPerLayer : Math.Max(experts, slotTokens.Count);
            var counts = BestReplication(load, Math.Clamp(budget, experts * minReplicas, experts * maxReplicas), maxReplicas, minReplicas);
            var packed = ExpertBalancer.Pack(load, counts, silos.Count);
            var expected = new List<double>(packed.Count);
            var targets = new List<string>[experts];
            for (var e = 0; e < experts; e++)
            {
                targets[e] = [];
            }

            var relabel = Relabel(packed, existing, silos, i);
            foreach (var slot in packed)
            {
                targets[slot.Expert].Add(silos[relabel[slot.Silo]]);
                expected.Add(slot.ExpectedLoad);
            }

            after = Math.Min(after, ExpertBalancer.Balancedness(expected));
            for (var e = 0; e < experts; e++)
            {
                var keep = new HashSet<ExpertReplicaInfo>();
                foreach (var pin in targets[e])
                {
                    // Kept only where its key's pin says it runs: one that reactivated elsewhere after its silo died
                    // (a failed repair) keeps a stale pin, which expert-host grouping and placement would follow.
                    var stay = existing[e].FindIndex(c => c.RunsOn == pin && (c.Replica.Pin.Length == 0 || c.Replica.Pin == pin) && !keep.Contains(c.Replica));
                    if (stay >= 0)
                    {
                        keep.Add(existing[e][stay].Replica);
                        replicas.Add(existing[e][stay].Replica);
                        continue;
                    }

                    var id = nextId[e]++;
                    var fresh = new ExpertReplicaInfo { Layer = layer, Expert = e, Replica = id, Pin = pin, Key = new ExpertKey(model, layer, e, id, pin).ToString() };
                    replicas.Add(fresh);
                    added.Add(fresh);
                }

                foreach (var c in existing[e])
                {
                    if (!keep.Contains(c.Replica))
                    {
                        removed.Add(c.Replica);
                    }
                }
            }
        }

        return new RebalancePlan(replicas, added, removed, before, after);
    }

    /// <summary>
    /// Which silo each of the packer's silos becomes. The packer balances silos that are all alike, so any relabelling
    /// keeps its balance; the one that leaves the most replicas where they already run wins (fewer weights to load),
    /// searched exhaustively up to 7 silos. Ties, and larger clusters, rotate by the layer index so that one silo
    /// does not take every layer's heaviest slot.
    /// </summary>
    private static int[] Relabel(IReadOnlyList<ExpertSlot> packed, List<(ExpertReplicaInfo Replica, long Tokens, string RunsOn)>[] existing,
        IReadOnlyList<string> silos, int rotation)
    {
        var n = silos.Count;
        var best = new int[n];
        for (var p = 0; p < n; p++)
        {
            best[p] = (p + rotation) % n;
        }

        if (n > 7)
        {
            return best;
        }

        // gain[p, s]: replicas the packer put on its silo p whose expert already runs on silo s.
        var gain = new int[n, n];
        foreach (var slot in packed)
        {
            for (var s = 0; s < n; s++)
            {
                if (existing[slot.Expert].Exists(c => c.RunsOn == silos[s]))
                {
                    gain[slot.Silo, s]++;
                }
            }
        }

        var bestGain = Gain(best);
        var current = new int[n];
        var taken = new bool[n];
        Search(0);
        return best;

        int Gain(int[] map)
        {
            var g = 0;
            for (var p = 0; p < n; p++)
            {
                g += gain[p, map[p]];
            }

            return g;
        }

        void Search(int p)
        {
            if (p == n)
            {
                var g = Gain(current);
                if (g > bestGain)
                {
                    bestGain = g;
                    current.CopyTo(best, 0);
                }

                return;
            }

            for (var s = 0; s < n; s++)
            {
                if (!taken[s])
                {
                    taken[s] = true;
                    current[p] = s;
                    Search(p + 1);
                    taken[s] = false;
                }
            }
        }
    }

    /// <summary>
    /// Replica counts for at most <paramref name="budget"/> slots with the best balancedness: a slot that does not
    /// fit the load (say, a second replica of an expert that was only a little hot) lowers mean / max, so every slot
    /// count from <paramref name="minReplicas"/> per expert up to the budget is tried, and the fewest slots win ties.
    /// </summary>
    public static int[] BestReplication(double[] load, int budget, int maxReplicas, int minReplicas = 1)
    {
        int[]? best = null;
        var bestScore = double.NegativeInfinity;
        for (var slots = load.Length * minReplicas; slots <= budget; slots++)
        {
            var counts = ExpertBalancer.Replicate(load, slots, maxReplicas, minReplicas);
            double sum = 0, max = 0;
            var used = 0;
            for (var e = 0; e < load.Length; e++)
            {
                sum += load[e];
                max = Math.Max(max, load[e] / counts[e]);
                used += counts[e];
            }

            var score = max == 0 ? 1 : sum / used / max;
            if (score > bestScore + 1e-12)
            {
                best = counts;
                bestScore = score;
            }
        }

        return best ?? ExpertBalancer.Replicate(load, load.Length * minReplicas, maxReplicas, minReplicas);
    }
}
