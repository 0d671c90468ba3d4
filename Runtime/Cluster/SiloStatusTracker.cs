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
            var changed = false;
            foreach (var (address, status) in statuses)
            {
                changed |= !_statuses.TryGetValue(address, out var before) || before != status;
            }

            foreach (var (address, before) in _statuses)
            {
                // A dead silo's row leaving the table later is the same death, counted when it was declared.
                changed |= before != SiloStatus.Dead && !statuses.ContainsKey(address);
            }

            _statuses = statuses;
            return changed;
        }
    }
}
