using System.Net;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>Clients that take their gateways from a provider (the membership table) instead of a static list.</summary>
public sealed class ClientGatewayDiscoveryTests
{
    [Fact]
    public async Task GatewayListProvider_KnownGatewayStops_ClientRereadsTheListAndUsesANewGateway()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var first = cluster.Silos[0];
        var provider = new SwitchableGateways(first);
        var options = new ClusterClientOptions { ClusterId = "test", GatewayListProvider = provider };
        await using var client = new ClusterClient(Options.Create(options));
        await client.ConnectAsync();
        Assert.Equal(1, provider.Reads);
        Assert.StartsWith($"{first.Address.Host}:{first.Address.Port}@", client.CurrentGateway, StringComparison.Ordinal);

        // A silo the client never heard of joins; the first one leaves and the table now lists only the newcomer.
        var second = await cluster.AddSiloAsync();
        provider.Current = second;
        await first.StopAsync();

        // A call that raced the client noticing the closed connection fails with a clear error; the retry goes
        // through the gateway read from the provider.
        var grain = client.GetGrain<ITestGrain>(Signals.Unique("discovery"));
        int answer;
        try
        {
            answer = await grain.Add(2);
        }
        catch (Messaging.SiloUnavailableException ex)
        {
            Assert.Contains($"{first.Address.Host}:{first.Address.Port}", ex.Message, StringComparison.Ordinal);
            answer = await grain.Add(2);
        }

        Assert.Equal(2, answer);
        Assert.Equal(2, provider.Reads);
        Assert.StartsWith($"{second.Address.Host}:{second.Address.Port}@", client.CurrentGateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_RedisGatewaysUnreachable_ThrowsNamingHostAndPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new ClusterClientOptions { ClusterId = "nowhere" }.UseRedisGateways($"127.0.0.1:{port}");
        await using var client = new ClusterClient(Options.Create(options));

        var error = await Assert.ThrowsAsync<MembershipTableUnavailableException>(() => client.ConnectAsync());

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private sealed class SwitchableGateways(Silo initial) : IGatewayListProvider
    {
        private int _reads;

        public Silo Current { get; set; } = initial;

        public int Reads => Volatile.Read(ref _reads);

        public Task<IReadOnlyList<IPEndPoint>> GetGatewaysAsync(string clusterId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return Task.FromResult<IReadOnlyList<IPEndPoint>>([new IPEndPoint(IPAddress.Parse(Current.Address.Host), Current.Address.Port)]);
        }
    }
}
