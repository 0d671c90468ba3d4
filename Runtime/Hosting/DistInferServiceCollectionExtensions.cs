using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Hosting;

public static class DistInferServiceCollectionExtensions
{
    /// <summary>
    /// Registers a silo and its defaults: system TimeProvider, in-process membership (replace
    /// IClusterMembershipService for a real cluster), default statistics, built-in placement directors.
    /// </summary>
    public static IServiceCollection AddDistInferSilo(this IServiceCollection services, Action<SiloOptions>? configure = null)
    {
        services.AddOptions<SiloOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterMembershipService, InProcessClusterMembership>();
        services.TryAddSingleton<ISiloStatisticsProvider, DefaultSiloStatisticsProvider>();
        services.AddBuiltInPlacement();
        services.TryAddSingleton<Streams.StreamRuntime>();
        services.TryAddSingleton<Silo>();
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Silo>().GrainFactory);
        return services;
    }

    public static IServiceCollection AddDistInferClient(this IServiceCollection services, Action<ClusterClientOptions> configure)
    {
        services.AddOptions<ClusterClientOptions>().Configure(configure);
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ClusterClient(sp.GetRequiredService<IOptions<ClusterClientOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()) { Services = sp });
        services.TryAddSingleton<IClusterClient>(sp => sp.GetRequiredService<ClusterClient>());
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>());
        return services;
    }
}
