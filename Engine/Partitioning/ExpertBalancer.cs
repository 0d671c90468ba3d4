namespace DistInfer.Engine.Partitioning;

/// <summary>
/// EPLB-style expert load balancing for one MoE layer: give each extra replica to the expert with the highest load
/// per replica, then pack replicas onto silos heaviest first, each onto the least-loaded silo that has no replica of
/// the same expert. Balancedness is mean / max load per expert slot (1 is perfect).
/// </summary>
public static class ExpertBalancer
{
    /// <summary>
    /// Replica count per expert for up to <paramref name="totalSlots"/> slots (at least <paramref name="minReplicas"/>
    /// per expert, at most <paramref name="maxReplicas"/>: replicas of one expert go to distinct silos).
    /// </summary>
    public static int[] Replicate(ReadOnlySpan<double> load, int totalSlots, int maxReplicas = int.MaxValue, int minReplicas = 1)
    {
        if (minReplicas < 1 || minReplicas > maxReplicas)
        {
            throw new ArgumentOutOfRangeException(nameof(minReplicas), $"at least {minReplicas} replicas per expert cannot be met with at most {maxReplicas}");
        }

        if (totalSlots < (long)load.Length * minReplicas)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSlots), $"{totalSlots} slots cannot hold {load.Length} experts with {minReplicas} replica(s) each");
        }

        var replicas = new int[load.Length];
        Array.Fill(replicas, minReplicas);
        for (var slot = load.Length * minReplicas; slot < totalSlots; slot++)
        {
            var best = -1;
            for (var e = 0; e < load.Length; e++)
            {
                if (replicas[e] < maxReplicas && (best < 0 || load[e] / replicas[e] > load[best] / replicas[best]))
                {
                    best = e;
                }
            }

            if (best < 0)
            {
                break;
            }

            replicas[best]++;
        }

        return replicas;
    }

    /// <summary>Places every replica on one of <paramref name="silos"/> silos; never two replicas of one expert on a silo.</summary>
    public static IReadOnlyList<ExpertSlot> Pack(ReadOnlySpan<double> load, int[] replicas, int silos)
    {
        var slots = new List<(int Expert, int Replica, double Load)>();
        for (var e = 0; e < replicas.Length; e++)
        {
            if (replicas[e] > silos)
            {
                throw new ArgumentOutOfRangeException(nameof(replicas), $"expert {e} has {replicas[e]} replicas but there are only {silos} silos");
            }

            for (var r = 0; r < replicas[e]; r++)
            {
                slots.Add((e, r, load[e] / replicas[e]));
            }
        }

        slots.Sort((a, b) => b.Load != a.Load ? b.Load.CompareTo(a.Load) : a.Expert != b.Expert ? a.Expert.CompareTo(b.Expert) : a.Replica.CompareTo(b.Replica));
        var siloLoad = new double[silos];
        var siloCount = new int[silos];
        var hosts = new HashSet<(int Expert, int Silo)>();
        var placed = new List<ExpertSlot>(slots.Count);
        foreach (var (expert, replica, slotLoad) in slots)
        {
            var target = -1;
            for (var s = 0; s < silos; s++)
            {
                if (hosts.Contains((expert, s)))
                {
                    continue;
                }

                if (target < 0 || siloLoad[s] < siloLoad[target] || (siloLoad[s] == siloLoad[target] && siloCount[s] < siloCount[target]))
                {
                    target = s;
                }
            }

            hosts.Add((expert, target));
            siloLoad[target] += slotLoad;
            siloCount[target]++;
            placed.Add(new ExpertSlot(expert, replica, target, slotLoad));
        }

        return placed;
    }

    /// <summary>mean / max over slot loads; 1 when empty or idle.</summary>
    public static double Balancedness(IEnumerable<double> slotLoads)
    {
        double sum = 0, max = 0;
        var count = 0;
        foreach (var v in slotLoads)
        {
            sum += v;
            max = Math.Max(max, v);
            count++;
        }

        return count == 0 || max == 0 ? 1.0 : sum / count / max;
    }
}
