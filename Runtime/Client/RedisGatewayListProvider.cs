using System.Net;
using DistInfer.Runtime.Membership.Redis;

namespace DistInfer.Runtime.Client;

/// <summary>
/// Reads the active gateways from the Redis membership table the silos write (MembershipTableData.ActiveGateways).
/// Connects on first use; an unreachable Redis fails with MembershipTableUnavailableException naming host:port.
/// </summary>
public sealed class RedisGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly string _configuration;
    private readonly string _keyPrefix;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly Dictionary<string, RedisMembershipTable> _tables = new(StringComparer.Ordinal);

    public RedisGatewayListProvider(string configuration, string keyPrefix = "distinfer")
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        _configuration = configuration;
        _keyPrefix = keyPrefix;
    }

    public async Task<IReadOnlyList<IPEndPoint>> GetGatewaysAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(clusterId, cancellationToken).ConfigureAwait(false);
        var data = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return data.ActiveGateways();
    }

    public void Dispose()
    {
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }

        _tables.Clear();
        _connecting.Dispose();
    }

    private async Task<RedisMembershipTable> GetTableAsync(string clusterId, CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_tables.TryGetValue(clusterId, out var table))
            {
                table = await RedisMembershipTable.ConnectAsync(
                    new RedisMembershipOptions { Configuration = _configuration, ClusterId = clusterId, KeyPrefix = _keyPrefix },
                    cancellationToken).ConfigureAwait(false);
                _tables[clusterId] = table;
            }

            return table;
        }
        finally
        {
            _connecting.Release();
        }
    }
}
