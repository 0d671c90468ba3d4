using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Hosting.Clustering;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>
/// Silos with Orleans' two ports (silo-to-silo and client gateway) on a real Redis membership table: the gateway port
/// is advertised in the table, clients that read it connect there, and the silos still talk on their silo ports.
/// </summary>
public sealed class GatewayPortTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly string _clusterId = "gateways-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task StartAsync_SeparateGatewayPort_TableListsGatewayPortsAndClientCallsThroughThem()
    {
        var a = await StartSiloAsync("a", gatewayPort: 0);
        var b = await StartSiloAsync("b", gatewayPort: 0);
        await WaitForActiveAsync(a, 2);
        await WaitForActiveAsync(b, 2);

        Assert.NotEqual(a.Address.Port, a.GatewayPort);
        using var gateways = new RedisGatewayListProvider(redis.Configuration);
        var listed = (await gateways.GetGatewaysAsync(_clusterId)).Select(e => e.Port).Order().ToArray();
        Assert.Equal(new[] { a.GatewayPort, b.GatewayPort }.Order(), listed);
        var seen = a.Services.GetRequiredService<IClusterMembershipService>().Current;
        Assert.True(seen.TryGet(b.Address, out var bInfo));
        Assert.Equal(b.GatewayPort, bInfo.GatewayPort);

        var options = new ClusterClientOptions { ClusterId = _clusterId }.UseRedisGateways(redis.Configuration);
        await using var client = new ClusterClient(Options.Create(options));
        await client.ConnectAsync();
        Assert.Contains(client.CurrentGateway, new[] { $"127.0.0.1:{a.GatewayPort}@0", $"127.0.0.1:{b.GatewayPort}@0" });

        var grain = client.GetGrain<ITestGrain>(Signals.Unique("gateway"));
        Assert.Equal(5, await grain.Add(5));

        // Silos reach each other on their silo ports: one of the two calls below is remote.
        var host = await a.LookupAsync(grain.GetGrainId());
        Assert.True(host == a.Address || host == b.Address, $"activation on {host}");
        Assert.Equal(7, await a.GrainFactory.GetGrain<ITestGrain>(grain.GetPrimaryKeyString()).Add(2));
        Assert.Equal(10, await b.GrainFactory.GetGrain<ITestGrain>(grain.GetPrimaryKeyString()).Add(3));
    }

    [Fact]
    public async Task StartAsync_GatewayPortTaken_ThrowsAddressInUse()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<SocketException>(() => StartSiloAsync("clash", gatewayPort: port));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    private async Task<Silo> StartSiloAsync(string name, int gatewayPort)
    {
        var collection = new ServiceCollection();
        collection.AddDistInferClustering(c =>
        {
            c.Clustering = ClusteringMode.Redis;
            c.RedisConnectionString = redis.Configuration;
        });
        collection.AddDistInferSilo(o =>
        {
            o.Name = name;
            o.ClusterId = _clusterId;
            o.GatewayPort = gatewayPort;
        });
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();
        return silo;
    }

    private static async Task WaitForActiveAsync(Silo observer, int count)
    {
        var membership = observer.Services.GetRequiredService<IClusterMembershipService>();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ClusterMembershipSnapshot view)
        {
            if (view.ActiveSilos.Count == count)
            {
                seen.TrySetResult();
            }
        }

        membership.Changed += OnChanged;
        try
        {
            OnChanged(membership.Current);
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            membership.Changed -= OnChanged;
        }
    }
}
