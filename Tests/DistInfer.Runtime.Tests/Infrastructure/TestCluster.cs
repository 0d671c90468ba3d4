using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>Several silos in this process, real TCP on loopback with ephemeral ports, in-process membership.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<ClusterClient> _clients = [];

    public InProcessClusterMembership Membership { get; } = new();

    public List<Silo> Silos { get; } = [];

    public static async Task<TestCluster> StartAsync(int silos, Action<int, SiloOptions>? configure = null, Action<int, IServiceCollection>? services = null)
    {
        var cluster = new TestCluster();
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync(configure is null ? null : o => configure(i, o), services is null ? null : s => services(i, s));
        }

        return cluster;
    }

    public async Task<Silo> AddSiloAsync(Action<SiloOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton<IClusterMembershipService>(Membership);
        var index = Silos.Count;
        collection.AddDistInferSilo(o =>
        {
            o.Name = "silo" + index;
            o.ClusterId = "test";
            configure?.Invoke(o);
        });
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();
        Silos.Add(silo);
        return silo;
    }

    public async Task<ClusterClient> ConnectClientAsync(params Silo[] gateways)
    {
        var options = new ClusterClientOptions { ClusterId = "test" };
        foreach (var silo in gateways.Length > 0 ? gateways : [.. Silos])
        {
            options.Gateways.Add($"{silo.Address.Host}:{silo.Address.Port}");
        }

        var client = new ClusterClient(Options.Create(options));
        await client.ConnectAsync();
        _clients.Add(client);
        return client;
    }

    /// <summary>A client built through AddDistInferClient, so services (stream providers) can be added to it.</summary>
    public async Task<ClusterClient> ConnectClientAsync(Action<IServiceCollection> services)
    {
        var collection = new ServiceCollection();
        collection.AddDistInferClient(o =>
        {
            o.ClusterId = "test";
            foreach (var silo in Silos)
            {
                o.Gateways.Add($"{silo.Address.Host}:{silo.Address.Port}");
            }
        });
        services(collection);
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        var client = provider.GetRequiredService<ClusterClient>();
        await client.ConnectAsync();
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        foreach (var silo in Silos)
        {
            if (silo.IsRunning)
            {
                await silo.StopAsync();
            }
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
