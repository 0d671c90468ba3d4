using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>
/// One silo's view of a shared membership that can be frozen, as a silo whose table refresh has not run yet:
/// while frozen it keeps the snapshot it had and hears of no change.
/// </summary>
public sealed class LaggingMembership : IClusterMembershipService
{
    private readonly InProcessClusterMembership _inner;
    private ClusterMembershipSnapshot? _frozen;

    public LaggingMembership(InProcessClusterMembership inner)
    {
        _inner = inner;
        _inner.Changed += snapshot =>
        {
            if (Volatile.Read(ref _frozen) is null)
            {
                Changed?.Invoke(snapshot);
            }
        };
    }

    public event Action<ClusterMembershipSnapshot>? Changed;

    public ClusterMembershipSnapshot Current => Volatile.Read(ref _frozen) ?? _inner.Current;

    public void Freeze() => Volatile.Write(ref _frozen, _inner.Current);

    /// <summary>A table read that changed something else: the frozen view is published again, still stale.</summary>
    public void RepublishFrozen() => Changed?.Invoke(Volatile.Read(ref _frozen) ?? _inner.Current);

    /// <summary>
    /// Hands this silo a snapshot read earlier, after it has seen newer ones: a publish on another thread that read
    /// the view before a change and raised Changed after it (membership raises Changed outside its lock).
    /// </summary>
    public void DeliverLate(ClusterMembershipSnapshot snapshot) => Changed?.Invoke(snapshot);

    public void Thaw()
    {
        Volatile.Write(ref _frozen, null);
        Changed?.Invoke(_inner.Current);
    }

    public ValueTask PublishAsync(SiloInfo self, CancellationToken cancellationToken = default) => _inner.PublishAsync(self, cancellationToken);

    public ValueTask LeaveAsync(SiloAddress self, CancellationToken cancellationToken = default) => _inner.LeaveAsync(self, cancellationToken);
}
