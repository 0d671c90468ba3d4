using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace DistInfer.Runtime.Membership.Redis;

/// <summary>
/// Membership table in one Redis hash per cluster: field "version" holds the table version, field
/// "silo:{address}" a JSON document with the row etag and the entry. Writes are Lua compare-and-swap scripts.
/// Connection failures surface as <see cref="MembershipTableUnavailableException"/>; the multiplexer reconnects
/// by itself, so calls succeed again once Redis is back.
/// </summary>
public sealed class RedisMembershipTable : IMembershipTable, IDisposable
{
    private const string VersionField = "version";
    private const string SiloFieldPrefix = "silo:";
    private const int DirtyWriteAttempts = 8;

    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly TimeSpan _operationTimeout;
    private readonly string _clusterId;
    private readonly string _keyPrefix;
    private readonly RedisKey _key;
    private readonly string _endpoint;

    /// <summary>Uses an existing connection (shared with other Redis users of the silo); does not dispose it.</summary>
    public RedisMembershipTable(IConnectionMultiplexer connection, string clusterId, string keyPrefix = "distinfer", TimeSpan? operationTimeout = null)
        : this(connection, clusterId, keyPrefix, operationTimeout ?? TimeSpan.FromSeconds(5), ownsConnection: false)
    {
    }

    private RedisMembershipTable(IConnectionMultiplexer connection, string clusterId, string keyPrefix, TimeSpan operationTimeout, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        _connection = connection;
        _ownsConnection = ownsConnection;
        _operationTimeout = operationTimeout;
        _clusterId = clusterId;
        _keyPrefix = keyPrefix;
        _key = KeyFor(clusterId);
        _endpoint = connection.Configuration is { Length: > 0 } configuration
            ? RedisConnector.DescribeEndpoint(configuration)
            : "?";
    }

    /// <summary>The hash key of this cluster's table.</summary>
    public string Key => _key.ToString();

    /// <summary>
    /// Connects to Redis and initializes the table. Throws <see cref="MembershipTableUnavailableException"/>
    /// naming host:port and cluster when Redis cannot be reached.
    /// </summary>
    public static async Task<RedisMembershipTable> ConnectAsync(RedisMembershipOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConnectionMultiplexer connection;
        try
        {
            connection = await RedisConnector.ConnectAsync(options.Configuration, options.ConnectTimeout).ConfigureAwait(false);
        }
        catch (RedisConnectionException ex)
        {
            throw new MembershipTableUnavailableException(
                $"cannot reach Redis at {RedisConnector.DescribeEndpoint(options.Configuration)} for membership of cluster {options.ClusterId} ({ex.FailureType})",
                ex);
        }

        var table = new RedisMembershipTable(connection, options.ClusterId, options.KeyPrefix, options.OperationTimeout, ownsConnection: true);
        try
        {
            await table.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            table.Dispose();
            throw;
        }

        return table;
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        Run(db => db.HashSetAsync(_key, VersionField, 0, When.NotExists));

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var fields = await db.HashGetAllAsync(_key).ConfigureAwait(false);
            var version = new TableVersion(0, "0");
            var rows = new List<MembershipRow>(fields.Length);
            foreach (var field in fields)
            {
                if (field.Name == VersionField)
                {
                    version = ParseVersion(field.Value);
                }
                else if (field.Name.ToString().StartsWith(SiloFieldPrefix, StringComparison.Ordinal))
                {
                    rows.Add(ParseRow(field.Value));
                }
            }

            return new MembershipTableData(rows, version);
        });

    public Task<MembershipTableData> ReadRowAsync(SiloAddress silo, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var values = await db.HashGetAsync(_key, [VersionField, FieldFor(silo)]).ConfigureAwait(false);
            IReadOnlyList<MembershipRow> rows = values[1].IsNull ? [] : [ParseRow(values[1])];
            return new MembershipTableData(rows, ParseVersion(values[0]));
        });

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Run(async db =>
        {
            var result = await db.ScriptEvaluateAsync(
                RedisMembershipScripts.Insert,
                [_key],
                [FieldFor(entry.SiloAddress), Serialize(entry, NewETag()), tableVersion.ETag, tableVersion.Version]).ConfigureAwait(false);
            return (int)result == 1;
        });
    }

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(etag);
        return Run(async db =>
        {
            var result = await db.ScriptEvaluateAsync(
                RedisMembershipScripts.Update,
                [_key],
                [FieldFor(entry.SiloAddress), Serialize(entry, NewETag()), tableVersion.ETag, tableVersion.Version, etag]).ConfigureAwait(false);
            return (int)result == 1;
        });
    }

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Run(async db =>
        {
            // Read-modify-write of this one field, keeping its etag; retried when another write slipped in.
            var field = FieldFor(entry.SiloAddress);
            for (var attempt = 0; attempt < DirtyWriteAttempts; attempt++)
            {
                var current = await db.HashGetAsync(_key, field).ConfigureAwait(false);
                if (current.IsNull)
                {
                    return true;
                }

                var document = Deserialize(current);
                var updated = Serialize(document.Entry with { IAmAliveTime = entry.IAmAliveTime }, document.ETag);
                var result = await db.ScriptEvaluateAsync(RedisMembershipScripts.ReplaceValue, [_key], [field, current, updated]).ConfigureAwait(false);
                if ((int)result == 1)
                {
                    return true;
                }
            }

            return false;
        });
    }

    public Task<int> CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var removed = 0;
            foreach (var field in await db.HashGetAllAsync(_key).ConfigureAwait(false))
            {
                if (!field.Name.ToString().StartsWith(SiloFieldPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var entry = Deserialize(field.Value).Entry;
                if (entry.Status == SiloStatus.Dead && entry.IAmAliveTime < beforeDate)
                {
                    var result = await db.ScriptEvaluateAsync(RedisMembershipScripts.DeleteValue, [_key], [field.Name, field.Value]).ConfigureAwait(false);
                    removed += (int)result;
                }
            }

            return removed;
        });

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        return Run(db => db.KeyDeleteAsync(KeyFor(clusterId)));
    }

    public void Dispose()
    {
        if (_ownsConnection)
        {
            RedisConnector.Close(_connection);
        }
    }

    private RedisKey KeyFor(string clusterId) => $"{_keyPrefix}:{{{clusterId}}}:membership";

    private static RedisValue FieldFor(SiloAddress silo) => SiloFieldPrefix + silo.ToString();

    private static string NewETag() => Guid.NewGuid().ToString("N");

    private static TableVersion ParseVersion(RedisValue value)
    {
        var text = value.IsNull ? "0" : value.ToString();
        return new TableVersion(int.Parse(text, CultureInfo.InvariantCulture), text);
    }

    private static MembershipRow ParseRow(RedisValue value)
    {
        var document = Deserialize(value);
        return new MembershipRow(document.Entry, document.ETag);
    }

    private static RedisValue Serialize(MembershipEntry entry, string etag) =>
        JsonSerializer.SerializeToUtf8Bytes(new RedisMembershipDocument(etag, entry), RedisMembershipJsonContext.Default.RedisMembershipDocument);

    private static RedisMembershipDocument Deserialize(RedisValue value) =>
        JsonSerializer.Deserialize((byte[])value!, RedisMembershipJsonContext.Default.RedisMembershipDocument)
        ?? throw new InvalidDataException("membership row is JSON null");

    private Task<T> Run<T>(Func<IDatabase, Task<T>> operation) =>
        RedisConnector.RunAsync(
            _connection,
            operation,
            _operationTimeout,
            ex => new MembershipTableUnavailableException($"Redis at {_endpoint} unavailable for membership of cluster {_clusterId}: {ex.Message}", ex));

    private async Task Run(Func<IDatabase, Task> operation) =>
        await Run(async db =>
        {
            await operation(db).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
}
