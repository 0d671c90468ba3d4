using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// The gossiping side of a membership service (Orleans' membership gossip): peers hear at once when a silo changed a
/// status in the table and re-read it, instead of waiting for their next periodic refresh. Without it, a silo that
/// missed a peer's join (its reads failed while Redis restarted, say) would own directory entries it cannot see.
/// </summary>
public interface IMembershipGossip
{
    /// <summary>
    /// Set by the silo: tells every other silo to re-read the table and completes once they did (or gave up). The
    /// service calls it after each status it writes, and a shutting-down silo awaits it before deactivating.
    /// </summary>
    Func<Task>? TellPeers { get; set; }

    /// <summary>
    /// Set by the silo: tells every other silo that this one left (its row is Dead) and completes once they marked it
    /// Dead (or gave up). The service awaits it when leaving: a re-read alone misses the Dead row when the table is
    /// wiped (Redis restarted without persistence) before the peer reads it.
    /// </summary>
    Func<Task>? TellPeersLeft { get; set; }

    /// <summary>A peer changed the table: re-read it now.</summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>Peer <paramref name="silo"/> left gracefully: show it Dead and never vote against it.</summary>
    Task PeerLeftAsync(SiloAddress silo, CancellationToken cancellationToken = default);
}
