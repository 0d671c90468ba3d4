using DistInfer.Engine;
using DistInfer.Runtime.Hosting.Clustering;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Hosting;

/// <summary>
/// How silos find each other: localhost (an in-memory membership table, this process alone) or a Redis membership
/// table shared by silos on any number of machines. Either way the silo probes its peers and publishes its load and
/// accelerators through membership.
/// </summary>
internal static class SiloClustering
{
    public static void Configure(IServiceCollection services, SiloHostOptions options)
    {
        var mode = options.Clustering switch
        {
            "localhost" => ClusteringMode.Localhost,
            "redis" => ClusteringMode.Redis,
            var other => throw new DistInferException($"--clustering must be localhost or redis (got '{other}')"),
        };
        if (mode == ClusteringMode.Redis && string.IsNullOrWhiteSpace(options.Redis))
        {
            throw new DistInferException("--clustering redis needs --redis HOST:PORT");
        }

        services.AddDistInferClustering(c =>
        {
            c.Clustering = mode;
            if (options.Redis is { } redis)
            {
                c.RedisConnectionString = redis;
            }
        });
        services.AddAcceleratorInfo(CudaAccelerators.Read);
    }
}
