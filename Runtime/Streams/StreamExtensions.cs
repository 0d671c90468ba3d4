using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DistInfer.Runtime.Streams;

public static class StreamExtensions
{
    private static readonly StreamRuntime ProcessStreams = new();

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
        ArgumentNullException.ThrowIfNull(grain);
        var services = grain.ServiceProvider;
        var registration = Require(services, name);
        var consumer = grain.Activation as ActivationData;
        return registration.Factory is { } factory
            ? factory(services, grain.GrainFactory, consumer)
            : new MemoryStreamProvider(name, grain.GrainFactory, services.GetRequiredService<StreamRuntime>(), consumer);
    }

    /// <summary>A producer-side stream provider on a silo (outside grain code).</summary>
    public static IStreamProvider GetStreamProvider(this Silo silo, string name)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var registration = Require(silo.Services, name);
        return registration.Factory is { } factory
            ? factory(silo.Services, silo.GrainFactory, null)
            : new MemoryStreamProvider(name, silo.GrainFactory, silo.Services.GetRequiredService<StreamRuntime>(), null);
    }

    /// <summary>
    /// A producer-side stream provider for a cluster client. Providers registered on the client's services
    /// (AddDistInferClient + AddRedisStreams) are used by name; otherwise the memory provider.
    /// </summary>
    public static IStreamProvider GetStreamProvider(this IClusterClient client, string name)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client is ClusterClient { Services: { } services } && Find(services, name) is { Factory: { } factory })
        {
            return factory(services, client, null);
        }

        return new MemoryStreamProvider(name, client, ProcessStreams, null);
    }

    /// <summary>
    /// A producer-side memory stream provider over any grain factory (a silo's or a client's), for code outside
    /// grains that holds only the factory. Items of one stream from this process go out in order.
    /// </summary>
    public static IStreamProvider GetMemoryStreamProvider(this IGrainFactory factory, string name)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new MemoryStreamProvider(name, factory, ProcessStreams, null);
    }

    private static StreamProviderRegistration? Find(IServiceProvider services, string name)
    {
        foreach (var registration in services.GetServices<StreamProviderRegistration>())
        {
            if (registration.Name == name)
            {
                return registration;
            }
        }

        return null;
    }

    private static StreamProviderRegistration Require(IServiceProvider services, string name) =>
        Find(services, name) ?? throw new InvalidOperationException(
            $"No stream provider named '{name}': call services.AddMemoryStreams(\"{name}\") or services.AddRedisStreams(\"{name}\", ...)");
}
