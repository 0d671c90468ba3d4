using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Several silos in this process hosting the fabric's grains, over real TCP on loopback with in-process membership
/// (a killed silo is declared dead the way the membership protocol would).
/// </summary>
public sealed class FabricTestCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public InProcessClusterMembership Membership { get; } = new();

    public List<Silo> Silos { get; } = [];

    public IGrainFactory GrainFactory => Silos.First(s => s.IsRunning).GrainFactory;

    /// <summary>Silos in this process; <paramref name="configure"/> adds services to every silo (test listeners).</summary>
    public static Task<FabricTestCluster> StartAsync(int silos, Action<IServiceCollection> configure) =>
        StartAsync(silos, (_, services) => configure(services));

    /// <summary>
    /// The fabric options of every silo. Rebalancing on join is off unless a test turns it on: tests that replace
    /// silos assert on replica set versions a join-triggered rebalance would bump at a time of its choosing.
    /// </summary>
    public FabricOptions Fabric { get; init; } = new() { RebalanceOnJoin = false };

    /// <summary>Silos in this process sharing <paramref name="fabric"/>.</summary>
    public static async Task<FabricTestCluster> StartAsync(int silos, FabricOptions fabric)
    {
        var cluster = new FabricTestCluster { Fabric = fabric };
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync();
        }

        return cluster;
    }

    /// <summary>Per-silo service configuration (silo index, services), applied after the fabric's defaults.</summary>
    public Action<int, IServiceCollection>? ConfigureSilo { get; init; }

    public static async Task<FabricTestCluster> StartAsync(int silos, Action<int, IServiceCollection>? configureSilo = null)
    {
        var cluster = new FabricTestCluster { ConfigureSilo = configureSilo };
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync();
        }

        return cluster;
    }

    public async Task<Silo> AddSiloAsync()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IClusterMembershipService>(Membership);
        var index = Silos.Count;
        services.AddDistInferSilo(o =>
        {
            o.Name = "silo" + index;
            o.ClusterId = "fabric-test";
        });
        services.AddDistInferFabric(Fabric);
        ConfigureSilo?.Invoke(index, services);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();
        Silos.Add(silo);
        return silo;
    }

    /// <summary>A client outside the cluster, connected to every running silo's gateway.</summary>
    public async Task<ClusterClient> ConnectClientAsync()
    {
        var options = new ClusterClientOptions { ClusterId = "fabric-test" };
        foreach (var silo in Silos.Where(s => s.IsRunning))
        {
            options.Gateways.Add($"{silo.Address.Host}:{silo.Address.Port}");
        }

        var client = new ClusterClient(Microsoft.Extensions.Options.Options.Create(options));
        await client.ConnectAsync();
        return client;
    }

    /// <summary>Stops a silo abruptly (no graceful deactivation) and declares it dead.</summary>
    public async Task KillAsync(Silo silo)
    {
        await silo.KillAsync();
        Membership.Kill(silo.Address);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos.Where(s => s.IsRunning))
        {
            await silo.StopAsync();
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
