using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// Membership for silos in one process (tests, development): one shared instance, every publish is visible to all
/// silos at once. <see cref="Kill"/> simulates a silo declared dead.
/// </summary>
public sealed class InProcessClusterMembership : IClusterMembershipService
{
    private readonly object _lock = new();
    private readonly Dictionary<SiloAddress, SiloInfo> _silos = [];
    private ClusterMembershipSnapshot _current = ClusterMembershipSnapshot.Empty;

    public event Action<ClusterMembershipSnapshot>? Changed;

    public ClusterMembershipSnapshot Current => Volatile.Read(ref _current);

    public ValueTask PublishAsync(SiloInfo self, CancellationToken cancellationToken = default)
    {
        Update(silos => silos[self.Address] = self);
        return ValueTask.CompletedTask;
    }

    public ValueTask ShutDownAsync(SiloAddress self, CancellationToken cancellationToken = default)
    {
        SetStatus(self, SiloStatus.ShuttingDown);
        return ValueTask.CompletedTask;
    }

    public ValueTask LeaveAsync(SiloAddress self, CancellationToken cancellationToken = default)
    {
        SetStatus(self, SiloStatus.Dead);
        return ValueTask.CompletedTask;
    }

    /// <summary>Why membership storage cannot be read, as a protocol over Redis reports it (set by tests to simulate an outage).</summary>
    public string? StorageProblem { get; set; }

    /// <summary>Declares a silo dead, as the membership protocol would after missed probes.</summary>
    public void Kill(SiloAddress silo) => SetStatus(silo, SiloStatus.Dead);

    private void SetStatus(SiloAddress silo, SiloStatus status) =>
        Update(silos =>
        {
            if (silos.TryGetValue(silo, out var info))
            {
                silos[silo] = info with { Status = status };
            }
        });

    private void Update(Action<Dictionary<SiloAddress, SiloInfo>> change)
    {
        ClusterMembershipSnapshot next;
        lock (_lock)
        {
            change(_silos);
            next = new ClusterMembershipSnapshot(_current.Version + 1, _silos.Values.ToArray());
            _current = next;
        }

        Changed?.Invoke(next);
    }
}
