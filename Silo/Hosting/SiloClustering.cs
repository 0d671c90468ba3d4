using DistInfer.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Hosting;

/// <summary>Chooses how silos find each other: localhost (this process alone) or a Redis membership table.</summary>
internal static class SiloClustering
{
    public static void Configure(IServiceCollection services, SiloHostOptions options)
    {
        switch (options.Clustering)
        {
            case "localhost":
                // The runtime's default in-process membership: a single-silo development cluster.
                break;
            case "redis":
                throw new DistInferException("--clustering redis is not wired into distinfer-silo yet; use --clustering localhost");
            default:
                throw new DistInferException($"--clustering must be localhost or redis (got '{options.Clustering}')");
        }
    }
}
