using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Streams.Redis;

public static class RedisStreamExtensions
{
    /// <summary>
    /// Registers a redis stream provider under <paramref name="name"/>, on a silo (its pulling agent starts with the
    /// silo, which fails to start when Redis is unreachable) or a client (producer; connects on first use).
    /// </summary>
    public static IServiceCollection AddRedisStreams(this IServiceCollection services, string name, Action<RedisStreamProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisStreamProviderOptions>(name).Configure(configure);
        services.TryAddSingleton<StreamRuntime>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddKeyedSingleton(name, static (sp, key) => new RedisStreamProviderRuntime(
            (string)key!,
            sp.GetRequiredService<IOptionsMonitor<RedisStreamProviderOptions>>().Get((string)key!),
            sp.GetRequiredService<StreamRuntime>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.AddSingleton<ISiloLifecycleParticipant>(sp => new RedisStreamSiloParticipant(sp.GetRequiredKeyedService<RedisStreamProviderRuntime>(name)));
        services.AddSingleton(new StreamProviderRegistration(name) { Factory = (sp, _, consumer) => Create(sp, name, consumer) });
        return services;
    }

    private static RedisStreamProvider Create(IServiceProvider services, string name, ActivationData? consumer) =>
        new(services.GetRequiredKeyedService<RedisStreamProviderRuntime>(name), consumer);
}
