using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Grains.Balancing;

/// <summary>Which silo acts for the cluster on a membership change, so that one change causes one rebalance or repair.</summary>
internal static class ActingSilo
{
    /// <summary>Whether <paramref name="self"/> is the oldest of <paramref name="silos"/> (earliest generation, then address).</summary>
    public static bool Is(SiloAddress self, IReadOnlyList<SiloInfo> silos)
    {
        SiloInfo? oldest = null;
        foreach (var s in silos)
        {
            if (oldest is null || s.Address.Generation < oldest.Address.Generation ||
                (s.Address.Generation == oldest.Address.Generation && string.CompareOrdinal(s.Address.ToString(), oldest.Address.ToString()) < 0))
            {
                oldest = s;
            }
        }

        return oldest is not null && oldest.Address == self;
    }
}
