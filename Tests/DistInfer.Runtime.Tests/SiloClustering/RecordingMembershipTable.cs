using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>An in-memory table that reports every successful row update (tests observe the write order).</summary>
internal sealed class RecordingMembershipTable : IMembershipTable
{
    private readonly InMemoryMembershipTable _inner = new();

    public Action<MembershipEntry>? Updated { get; set; }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default) => _inner.ReadAllAsync(cancellationToken);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default) => _inner.ReadRowAsync(silo, cancellationToken);

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        _inner.InsertRowAsync(entry, tableVersion, cancellationToken);

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        var written = await _inner.UpdateRowAsync(entry, etag, tableVersion, cancellationToken);
        if (written)
        {
            Updated?.Invoke(entry);
        }

        return written;
    }

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default) => _inner.UpdateIAmAliveAsync(entry, cancellationToken);

    public Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) =>
        _inner.CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken);

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default) =>
        _inner.DeleteMembershipTableEntriesAsync(clusterId, cancellationToken);
}
