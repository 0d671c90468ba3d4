namespace DistInfer.Runtime.Cluster;

/// <summary>
/// The seam between the grain runtime and membership. The runtime only needs the current view of silos (with
/// metadata and statistics) and change notifications, and publishes its own row through it. The in-process
/// implementation serves tests and single-process clusters; the membership protocol (probes, votes, IMembershipTable)
/// implements this same interface.
/// </summary>
public interface IClusterMembershipService
{
    ClusterMembershipSnapshot Current { get; }

    /// <summary>
    /// Raised after the view changed (silo joined, left, declared dead, or republished metadata). Raised outside the
    /// service's lock: changes published on two threads may arrive in either order, so consumers compare Version.
    /// </summary>
    event Action<ClusterMembershipSnapshot>? Changed;

    /// <summary>Adds or replaces this silo's row (status, metadata, statistics).</summary>
    ValueTask PublishAsync(SiloInfo self, CancellationToken cancellationToken = default);

    /// <summary>
    /// First step of a graceful shutdown: marks this silo ShuttingDown, so that the other silos stop placing grains on
    /// it and stop resolving activations to it (they activate elsewhere); returns once they have had time to see it.
    /// </summary>
    ValueTask ShutDownAsync(Membership.SiloAddress self, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Why the membership storage cannot be read now (e.g. "Redis at HOST:PORT unavailable ..."), or null: while it
    /// cannot, no silo can be declared dead, which errors about unreachable silos should say.
    /// </summary>
    string? StorageProblem => null;

    /// <summary>Marks this silo as gone (graceful shutdown).</summary>
    ValueTask LeaveAsync(Membership.SiloAddress self, CancellationToken cancellationToken = default);
}
