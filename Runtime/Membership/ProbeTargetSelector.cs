namespace DistInfer.Runtime.Membership;

/// <summary>
/// Picks whom a silo probes: its next <c>count</c> successors on a ring of the monitored silos ordered by
/// address, so every live silo is watched by about <c>count</c> others and no one watches everyone.
/// </summary>
internal static class ProbeTargetSelector
{
    public static List<SiloAddress> Select(MembershipSnapshot snapshot, SiloAddress self, int count)
    {
        var ring = new List<SiloAddress>(snapshot.Members.Count + 1) { self };
        foreach (var entry in snapshot.Members.Values)
        {
            if (entry.SiloAddress != self && IsMonitored(entry.Status))
            {
                ring.Add(entry.SiloAddress);
            }
        }

        ring.Sort(static (a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        var start = ring.IndexOf(self);
        var targets = new List<SiloAddress>(Math.Min(count, ring.Count - 1));
        for (var step = 1; step < ring.Count && targets.Count < count; step++)
        {
            targets.Add(ring[(start + step) % ring.Count]);
        }

        return targets;
    }

    // A silo stuck while joining or shutting down must still be caught when it dies.
    private static bool IsMonitored(SiloStatus status) =>
        status is SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Stopping;
}
