namespace DistInfer.Grains.Placement;

/// <summary>
/// Where the replicas of one expert go whose pinned silo is gone (dead, or left): each to a live expert silo that
/// holds no other replica of that expert. The replicas pinned to live silos stay (the first of two pinned to one
/// silo, should that ever be); the others take, in replica order, the ((layer + expert + replica) mod free)-th of
/// the silos still free, ranked as <see cref="ExpertPlacementDirector.Rank"/> does, so that the displaced experts
/// of a layer spread over the survivors. A pure function of the replica set and the silos: the placement director
/// (reactivating such a replica) and the repair after a silo's death (re-pinning it) choose alike. Unpinned replicas
/// (placed by rank, their silo unknown here) are left out.
/// </summary>
public static class ExpertReplacement
{
    /// <param name="replicas">Replicas of one (layer, expert).</param>
    /// <param name="silos">Pins of the live silos hosting experts, best-ranked first.</param>
    /// <returns>
    /// Key → pin of the new silo, for every displaced replica; null for one that no silo is free for (every live
    /// silo already holds a replica of the expert).
    /// </returns>
    public static Dictionary<string, string?> Assign(IEnumerable<ExpertReplicaInfo> replicas, IReadOnlyList<string> silos)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(silos);
        var live = new HashSet<string>(silos, StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var displaced = new List<ExpertReplicaInfo>();
        foreach (var replica in replicas.Where(r => r.Pin.Length > 0).OrderBy(r => r.Replica).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!live.Contains(replica.Pin) || !taken.Add(replica.Pin))
            {
                displaced.Add(replica);
            }
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (displaced.Count == 0)
        {
            return result;
        }

        var free = new List<string>(silos.Count);
        foreach (var silo in silos)
        {
            if (!taken.Contains(silo) && !free.Contains(silo))
            {
                free.Add(silo);
            }
        }

        foreach (var replica in displaced)
        {
            if (free.Count == 0)
            {
                result[replica.Key] = null;
                continue;
            }

            var turn = (int)((uint)(replica.Layer + replica.Expert + replica.Replica) % (uint)free.Count);
            result[replica.Key] = free[turn];
            free.RemoveAt(turn);
        }

        return result;
    }
}
