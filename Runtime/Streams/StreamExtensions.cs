using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DistInfer.Runtime.Streams;

public static class StreamExtensions
{
    private static readonly StreamRuntime ClientStreams = new();

    /// <summary>Registers a memory stream provider under this name.</summary>
    public static IServiceCollection AddMemoryStreams(this IServiceCollection services, string name)
    {
        services.TryAddSingleton<StreamRuntime>();
        services.AddSingleton(new StreamProviderRegistration(name));
        return services;
    }

    /// <summary>A stream provider for grain code: subscriptions made through it belong to this grain.</summary>
    public static IStreamProvider GetStreamProvider(this Grain grain, string name)
    {
        var services = grain.ServiceProvider;
        Require(services, name);
        return new MemoryStreamProvider(name, grain.GrainFactory, services.GetRequiredService<StreamRuntime>(), grain.Activation as ActivationData);
    }

    /// <summary>A producer-side stream provider on a silo (outside grain code).</summary>
    public static IStreamProvider GetStreamProvider(this Silo silo, string name)
    {
        Require(silo.Services, name);
        return new MemoryStreamProvider(name, silo.GrainFactory, silo.Services.GetRequiredService<StreamRuntime>(), null);
    }

    /// <summary>A producer-side stream provider for a cluster client.</summary>
    public static IStreamProvider GetStreamProvider(this IClusterClient client, string name) =>
        new MemoryStreamProvider(name, client, ClientStreams, null);

    private static void Require(IServiceProvider services, string name)
    {
        foreach (var registration in services.GetServices<StreamProviderRegistration>())
        {
            if (registration.Name == name)
            {
                return;
            }
        }

        throw new InvalidOperationException($"No stream provider named '{name}': call services.AddMemoryStreams(\"{name}\")");
    }
}
