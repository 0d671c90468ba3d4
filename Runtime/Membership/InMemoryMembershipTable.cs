using System.Globalization;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// Membership table in process memory, for development and tests. Share one instance between the silos of one
/// process; a lock makes every operation atomic, so compare-and-swap semantics match the Redis table.
/// </summary>
public sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, MembershipRow> _rows = [];
    private readonly string _clusterId;
    private TableVersion _version = new(0, "0");
    private long _nextETag;

    public InMemoryMembershipTable(string clusterId = "dev")
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        _clusterId = clusterId;
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(new MembershipTableData([.. _rows.Values], _version));
        }
    }

    public Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<MembershipRow> rows = _rows.TryGetValue(silo, out var row) ? [row] : [];
            return Task.FromResult(new MembershipTableData(rows, _version));
        }
    }

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (!IsNextVersion(tableVersion) || _rows.ContainsKey(entry.SiloAddress))
            {
                return Task.FromResult(false);
            }

            _rows[entry.SiloAddress] = new MembershipRow(entry, NewETag());
            _version = new TableVersion(tableVersion.Version, NewETag());
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (!IsNextVersion(tableVersion)
                || !_rows.TryGetValue(entry.SiloAddress, out var current)
                || current.ETag != etag)
            {
                return Task.FromResult(false);
            }

            _rows[entry.SiloAddress] = new MembershipRow(entry, NewETag());
            _version = new TableVersion(tableVersion.Version, NewETag());
            return Task.FromResult(true);
        }
    }

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_rows.TryGetValue(entry.SiloAddress, out var current))
            {
                _rows[entry.SiloAddress] = current with { Entry = current.Entry with { IAmAliveTime = entry.IAmAliveTime } };
            }

            return Task.CompletedTask;
        }
    }

    public Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var removed = 0;
            foreach (var (silo, row) in _rows.ToList())
            {
                if (row.Entry.Status == SiloStatus.Dead && row.Entry.IAmAliveTime < beforeDate)
                {
                    _rows.Remove(silo);
                    removed++;
                }
            }

            return Task.FromResult(removed);
        }
    }

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (clusterId == _clusterId)
            {
                _rows.Clear();
                _version = new TableVersion(0, NewETag());
            }

            return Task.CompletedTask;
        }
    }

    // The etag decides; the number must move forward so a reader can order versions.
    private bool IsNextVersion(TableVersion proposed) =>
        proposed.ETag == _version.ETag && proposed.Version > _version.Version;

    private string NewETag() => (++_nextETag).ToString(CultureInfo.InvariantCulture);
}
