using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Bench.Commands;

/// <summary>Silos in this process with in-process membership, hosting the fabric.</summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<Silo> _silos = [];

    public DistInfer.Runtime.IGrainFactory Factory => _silos[0].GrainFactory;

    public IReadOnlyList<Silo> Silos => _silos;

    public static async Task<InProcessCluster> StartAsync(int silos)
    {
        var cluster = new InProcessCluster();
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
            services.AddDistInferFabric();
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
