using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using StackExchange.Redis;
using static DistInfer.Runtime.Tests.ClusterMembership.MembershipTestData;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>Redis missing at start and Redis restarted under a running table.</summary>
public sealed class RedisMembershipTableAvailabilityTests(AppendOnlyRedisServerFixture redis)
    : IClassFixture<AppendOnlyRedisServerFixture>
{
    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsNamingEndpointAndCluster()
    {
        var port = UnusedPort();

        var error = await Assert.ThrowsAsync<MembershipTableUnavailableException>(() => RedisMembershipTable.ConnectAsync(
            new RedisMembershipOptions { Configuration = $"127.0.0.1:{port}", ClusterId = "prod-eu", ConnectTimeout = TimeSpan.FromSeconds(1) }));

        Assert.StartsWith($"cannot reach Redis at 127.0.0.1:{port} for membership of cluster prod-eu (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_RedisRestarted_FailRetriablyThenSucceedWithDataKept()
    {
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var table = new RedisMembershipTable(connection.Multiplexer, "restart");
        await table.DeleteMembershipTableEntriesAsync("restart");
        await table.InitializeAsync();
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111)), (await table.ReadAllAsync()).Version.Next()));
        var restored = connection.WhenRestoredAsync();
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Commands travel on the interactive connection; the subscription connection reports separately.
        connection.Multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                failed.TrySetResult();
            }
        };

        await redis.StopAsync();
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<MembershipTableUnavailableException>(() => table.ReadAllAsync());
        Assert.Contains("restart", error.Message, StringComparison.Ordinal);
        await redis.StartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));

        var data = await table.ReadAllAsync();
        var row = Assert.Single(data.Rows);
        Assert.True(await table.UpdateRowAsync(row.Entry with { Status = SiloStatus.Active }, row.ETag, data.Version.Next()));
        Assert.Equal(SiloStatus.Active, (await table.ReadAllAsync()).Rows[0].Entry.Status);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
