using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>An in-memory table whose reads fail as an unreachable Redis's do while <see cref="Down"/> is set.</summary>
internal sealed class UnreachableMembershipTable : IMembershipTable
{
    public const string Problem = "Redis at 127.0.0.1:6390 unavailable for membership of cluster dev";
    private readonly InMemoryMembershipTable _inner = new();

    public bool Down { get; set; }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Down ? throw new MembershipTableUnavailableException(Problem + ": No connection is available to service this operation: HGETALL") : _inner.ReadAllAsync(cancellationToken);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default) => _inner.ReadRowAsync(silo, cancellationToken);

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        _inner.InsertRowAsync(entry, tableVersion, cancellationToken);

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        _inner.UpdateRowAsync(entry, etag, tableVersion, cancellationToken);

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default) => _inner.UpdateIAmAliveAsync(entry, cancellationToken);

    public Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) =>
        _inner.CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken);

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default) =>
        _inner.DeleteMembershipTableEntriesAsync(clusterId, cancellationToken);
}
