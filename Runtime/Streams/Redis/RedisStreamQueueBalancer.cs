using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Decides which active silo consumes which queue, from the membership snapshot alone (no coordination):
/// rendezvous hashing, so every silo computes the same owners and a joining or dying silo moves only its own
/// share of queues. While silos' snapshots differ (one refresh period) two silos may read one queue; both are
/// consumers of the same group, so entries are still delivered at least once, possibly out of order briefly.
/// A new owner takes over the old owner's unacked entries through RedisStreamConsumer's claim.
/// </summary>
public static class RedisStreamQueueBalancer
{
    /// <summary>The queues <paramref name="silo"/> should consume (none when it is not Active).</summary>
    public static IReadOnlyList<int> GetOwnedQueues(MembershipSnapshot snapshot, SiloAddress silo, int queueCount)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        var active = snapshot.ActiveMembers();
        var owned = new List<int>();
        for (var queue = 0; queue < queueCount; queue++)
        {
            if (Owner(active, queue) == silo)
            {
                owned.Add(queue);
            }
        }

        return owned;
    }

    /// <summary>The silo that should consume <paramref name="queue"/>, or null when no silo is Active.</summary>
    public static SiloAddress? GetOwner(MembershipSnapshot snapshot, int queue)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Owner(snapshot.ActiveMembers(), queue);
    }

    private static SiloAddress? Owner(IReadOnlyList<MembershipEntry> active, int queue)
    {
        SiloAddress? best = null;
        var bestWeight = 0UL;
        var queueSeed = (ulong)queue * 0x9E3779B97F4A7C15UL;
        foreach (var entry in active)
        {
            var weight = RedisStreamHash.Of(entry.SiloAddress.ToString(), queueSeed);
            if (best is null || weight > bestWeight
                || (weight == bestWeight && string.CompareOrdinal(entry.SiloAddress.ToString(), best.Value.ToString()) < 0))
            {
                best = entry.SiloAddress;
                bestWeight = weight;
            }
        }

        return best;
    }
}
