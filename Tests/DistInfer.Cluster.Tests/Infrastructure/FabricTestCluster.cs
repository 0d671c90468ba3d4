using DistInfer.Grains;
using DistInfer.Grains.Placement;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Several silos in this process hosting the fabric's grains, over real TCP on loopback with in-process membership
/// (a killed silo is declared dead the way the membership protocol would).
/// </summary>
public sealed class FabricTestCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    static FabricTestCluster()
    {
        // Loads the grain assembly, whose module initializer registers the generated proxies and invokers.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(StageGrain).TypeHandle);
    }

    public InProcessClusterMembership Membership { get; } = new();

    public List<Silo> Silos { get; } = [];

    public IGrainFactory GrainFactory => Silos.First(s => s.IsRunning).GrainFactory;

    public static async Task<FabricTestCluster> StartAsync(int silos)
    {
        var cluster = new FabricTestCluster();
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
        services.AddPlacementDirector<ExpertPlacement, ExpertPlacementDirector>();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();
        Silos.Add(silo);
        return silo;
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
