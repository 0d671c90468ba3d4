using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>In-process membership that can also hand its listeners an old view again, as a late delivery would.</summary>
internal sealed class ReplayingMembership : IClusterMembershipService
{
    private readonly InProcessClusterMembership _inner = new();

    public ReplayingMembership() => _inner.Changed += view => Changed?.Invoke(view);

    public event Action<ClusterMembershipSnapshot>? Changed;

    public ClusterMembershipSnapshot Current => _inner.Current;

    public ValueTask PublishAsync(SiloInfo self, CancellationToken cancellationToken = default) => _inner.PublishAsync(self, cancellationToken);

    public ValueTask LeaveAsync(SiloAddress self, CancellationToken cancellationToken = default) => _inner.LeaveAsync(self, cancellationToken);

    /// <summary>Raises Changed with <paramref name="view"/>, whatever has been published since.</summary>
    public void Replay(ClusterMembershipSnapshot view) => Changed?.Invoke(view);
}
