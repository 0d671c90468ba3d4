using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Bench.Fabric;

/// <summary>Silos in this process with in-process membership, talking over real TCP on loopback.</summary>
internal sealed class InProcessBenchCluster : IBenchCluster
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<Silo> _silos = [];

    public string Kind => "in-process";

    public IGrainFactory Factory => _silos[0].GrainFactory;

    /// <summary>The silos, for benchmarks that place a grain on a given one.</summary>
    public IReadOnlyList<Silo> Silos => _silos;

    public static async Task<InProcessBenchCluster> StartAsync(int silos, FabricOptions? options = null)
    {
        var cluster = new InProcessBenchCluster();
        var membership = new InProcessClusterMembership();
        for (var i = 0; i < silos; i++)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IClusterMembershipService>(membership);
            var name = "bench" + i;
            services.AddDistInferSilo(o =>
            {
                o.Name = name;
                o.ClusterId = "bench";
            });
            services.AddDistInferFabric(options);
            var provider = services.BuildServiceProvider();
            cluster._providers.Add(provider);
            var silo = provider.GetRequiredService<Silo>();
            await silo.StartAsync();
            cluster._silos.Add(silo);
        }

        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.StopAsync();
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
