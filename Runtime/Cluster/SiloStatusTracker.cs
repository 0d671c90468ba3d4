using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// Tells membership snapshots that change a silo's status (one joined, left, was declared dead) from those that only
/// refresh statistics, which arrive every few seconds: the membership-changes metric counts the former only.
/// </summary>
internal sealed class SiloStatusTracker
{
    private readonly Lock _lock = new();
    private Dictionary<SiloAddress, SiloStatus> _statuses = [];

    /// <summary>Takes <paramref name="snapshot"/> as the latest; true when a silo's status differs from the last one's.</summary>
    public bool Update(ClusterMembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var statuses = new Dictionary<SiloAddress, SiloStatus>(snapshot.Silos.Count);
        foreach (var silo in snapshot.Silos)
        {
            statuses[silo.Address] = silo.Status;
        }

        lock (_lock)
        {
            var changed = statuses.Count != _statuses.Count;
            foreach (var (address, status) in statuses)
            {
                changed |= !_statuses.TryGetValue(address, out var before) || before != status;
            }

            _statuses = statuses;
            return changed;
        }
    }
}
