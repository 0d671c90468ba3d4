using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>
/// Wraps a table and makes the next <see cref="ConflictsToInject"/> row updates lose a genuine race: just before
/// each, another writer bumps the table version, so the caller's compare-and-swap fails and it must re-read.
/// </summary>
internal sealed class ContendedMembershipTable(IMembershipTable inner) : IMembershipTable
{
    private int _conflictsToInject;

    public int ConflictsToInject
    {
        get => Volatile.Read(ref _conflictsToInject);
        set => Volatile.Write(ref _conflictsToInject, value);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default) => inner.ReadAllAsync(cancellationToken);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default) => inner.ReadRowAsync(silo, cancellationToken);

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        inner.InsertRowAsync(entry, tableVersion, cancellationToken);

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _conflictsToInject) >= 0)
        {
            var data = await inner.ReadAllAsync(cancellationToken);
            var row = data.Find(entry.SiloAddress)!.Value;
            Assert.True(await inner.UpdateRowAsync(row.Entry, row.ETag, data.Version.Next(), cancellationToken));
        }
        else
        {
            Interlocked.Increment(ref _conflictsToInject);
        }

        return await inner.UpdateRowAsync(entry, etag, tableVersion, cancellationToken);
    }

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default) => inner.UpdateIAmAliveAsync(entry, cancellationToken);

    public Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) =>
        inner.CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken);

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default) =>
        inner.DeleteMembershipTableEntriesAsync(clusterId, cancellationToken);
}
