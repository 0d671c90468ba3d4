namespace DistInfer.Runtime.Membership;

/// <summary>
/// Shared, versioned store of the cluster's membership (Orleans' IMembershipTable). Every row write carries the
/// next table version and fails (returns false) when another write came first, so writers re-read and retry.
/// Storage that cannot be reached throws <see cref="MembershipTableUnavailableException"/> (retriable).
/// </summary>
public interface IMembershipTable
{
    /// <summary>Creates the table version row when missing; idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>The table version plus the row of <paramref name="silo"/> (no rows when it has none).</summary>
    Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default);

    /// <summary>Adds a row; false when the silo already has one or <paramref name="tableVersion"/> is stale.</summary>
    Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default);

    /// <summary>Replaces a row; false when its etag or <paramref name="tableVersion"/> is stale.</summary>
    Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes only <see cref="MembershipEntry.IAmAliveTime"/> of the entry's row, without etag check and without
    /// changing etags or the table version (a heartbeat must not make concurrent voters retry).
    /// </summary>
    Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Deletes Dead rows whose IAmAlive time is before <paramref name="beforeDate"/>; returns how many.</summary>
    Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row and the version of cluster <paramref name="clusterId"/>.</summary>
    Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default);
}
