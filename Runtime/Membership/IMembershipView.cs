namespace DistInfer.Runtime.Membership;

/// <summary>
/// The membership protocol's view of the cluster: the current snapshot of the table and its changes. Implemented
/// by <see cref="MembershipAgent"/>; the grain runtime's own seam (Cluster.IClusterMembershipService: directory,
/// placement, messaging) is adapted onto it.
/// </summary>
public interface IMembershipView
{
    MembershipSnapshot CurrentSnapshot { get; }

    /// <summary>
    /// Raised after each new snapshot, in order, on the thread that read the table. Handlers must be quick and
    /// must not block; hand longer work to a queue.
    /// </summary>
    event Action<MembershipUpdate>? MembershipChanged;

    /// <summary>The current snapshot first, then every later one, until cancelled.</summary>
    IAsyncEnumerable<MembershipUpdate> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>Re-reads the table now (call it when a peer gossips a change) and publishes what changed.</summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);
}
