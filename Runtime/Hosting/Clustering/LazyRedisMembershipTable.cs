using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;

namespace DistInfer.Runtime.Hosting.Clustering;

/// <summary>
/// The Redis membership table, connected on first use (the silo's start) rather than in the DI container, so an
/// unreachable Redis fails the silo's start with <see cref="MembershipTableUnavailableException"/> naming
/// host:port. A failed connect is not remembered: the next call tries again.
/// </summary>
internal sealed class LazyRedisMembershipTable : IMembershipTable, IDisposable
{
    private readonly RedisMembershipOptions _options;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private RedisMembershipTable? _table;

    public LazyRedisMembershipTable(RedisMembershipOptions options) => _options = options;

    public async Task InitializeAsync(CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).InitializeAsync(cancellationToken).ConfigureAwait(false);

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).ReadAllAsync(cancellationToken).ConfigureAwait(false);

    public async Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).ReadRowAsync(silo, cancellationToken).ConfigureAwait(false);

    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).InsertRowAsync(entry, tableVersion, cancellationToken).ConfigureAwait(false);

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).UpdateRowAsync(entry, etag, tableVersion, cancellationToken).ConfigureAwait(false);

    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).UpdateIAmAliveAsync(entry, cancellationToken).ConfigureAwait(false);

    public async Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken).ConfigureAwait(false);

    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default) =>
        await (await GetAsync(cancellationToken).ConfigureAwait(false)).DeleteMembershipTableEntriesAsync(clusterId, cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        _table?.Dispose();
        _connecting.Dispose();
    }

    private async ValueTask<RedisMembershipTable> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _table) is { } table)
        {
            return table;
        }

        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _table ??= await RedisMembershipTable.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connecting.Release();
        }
    }
}
