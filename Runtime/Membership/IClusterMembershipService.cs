namespace DistInfer.Runtime.Membership;

/// <summary>
/// What the rest of the runtime reads about the cluster (directory, placement, messaging, gateways): the current
/// snapshot and its changes. Implemented by <see cref="MembershipAgent"/>.
/// </summary>
public interface IClusterMembershipService
{
    ClusterMembershipSnapshot CurrentSnapshot { get; }

    /// <summary>
    /// Raised after each new snapshot, in order, on the thread that read the table. Handlers must be quick and
    /// must not block; hand longer work to a queue.
    /// </summary>
    event Action<ClusterMembershipUpdate>? MembershipChanged;

    /// <summary>The current snapshot first, then every later one, until cancelled.</summary>
    IAsyncEnumerable<ClusterMembershipUpdate> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>Re-reads the table now (call it when a peer gossips a change) and publishes what changed.</summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);
}
