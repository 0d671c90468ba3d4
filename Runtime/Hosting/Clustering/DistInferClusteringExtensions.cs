using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Hosting.Clustering;

public static class DistInferClusteringExtensions
{
    /// <summary>
    /// Runs the membership protocol for the silo (replacing the in-process membership): the table
    /// (<see cref="ClusteringMode.Localhost"/>: in memory, one process; <see cref="ClusteringMode.Redis"/>: shared
    /// through Redis), a <see cref="MembershipAgent"/> probing peers over the silo connections, and a host stop
    /// when the cluster declares this silo dead. Call before or after AddDistInferSilo.
    /// </summary>
    public static IServiceCollection AddDistInferClustering(this IServiceCollection services, Action<ClusteringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ClusteringOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services.UseMembershipTable(static sp =>
        {
            var clustering = sp.GetRequiredService<IOptions<ClusteringOptions>>().Value;
            if (clustering.Clustering == ClusteringMode.Localhost)
            {
                return new InMemoryMembershipTable();
            }

            var silo = sp.GetRequiredService<IOptions<SiloOptions>>().Value;
            return new LazyRedisMembershipTable(new RedisMembershipOptions
            {
                Configuration = clustering.RedisConnectionString,
                ClusterId = silo.ClusterId,
                KeyPrefix = clustering.RedisKeyPrefix,
                ConnectTimeout = clustering.RedisConnectTimeout,
            });
        });
    }

    /// <summary>
    /// As <see cref="AddDistInferClustering"/> with a table of your own (a shared <see cref="InMemoryMembershipTable"/>
    /// for several silos in one process, or another store).
    /// </summary>
    public static IServiceCollection UseMembershipTable(this IServiceCollection services, Func<IServiceProvider, IMembershipTable> table)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(table);
        services.AddOptions<ClusteringOptions>();
        services.RemoveAll<IMembershipTable>();
        services.AddSingleton(table);
        services.TryAddSingleton(TimeProvider.System);
        services.RemoveAll<IProbeTransport>();
        services.AddSingleton<IProbeTransport>(sp => new SiloProbeTransport(sp));
        services.TryAddSingleton(sp => new MembershipProtocolService(
            sp.GetRequiredService<IMembershipTable>(),
            sp.GetRequiredService<IProbeTransport>(),
            Options.Create(sp.GetRequiredService<IOptions<ClusteringOptions>>().Value.Membership),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        services.RemoveAll<IClusterMembershipService>();
        services.AddSingleton<IClusterMembershipService>(sp => sp.GetRequiredService<MembershipProtocolService>());
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(MembershipLifetimeService)))
        {
            services.AddSingleton<IHostedService, MembershipLifetimeService>();
        }

        return services;
    }

    /// <summary>
    /// Publishes this silo's accelerators (GPUs) through membership with every statistics refresh; the engine
    /// supplies the reader (name, memory total and free).
    /// </summary>
    public static IServiceCollection AddAcceleratorInfo(this IServiceCollection services, Func<IReadOnlyList<AcceleratorInfo>> read)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(read);
        services.RemoveAll<AcceleratorInfoSource>();
        services.AddSingleton(new AcceleratorInfoSource(read));
        return services;
    }
}
