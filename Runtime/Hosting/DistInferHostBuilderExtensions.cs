using DistInfer.Runtime.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistInfer.Runtime.Hosting;

public static class DistInferHostBuilderExtensions
{
    /// <summary>Runs a silo inside the generic host (started and stopped with it).</summary>
    public static IHostBuilder UseDistInferSilo(this IHostBuilder builder, Action<SiloOptions>? configure = null, Action<IServiceCollection>? services = null) =>
        builder.ConfigureServices(collection =>
        {
            collection.AddDistInferSilo(configure);
            services?.Invoke(collection);
            collection.AddHostedService<SiloHostedService>();
        });

    /// <summary>Adds a cluster client connected when the host starts.</summary>
    public static IHostBuilder UseDistInferClient(this IHostBuilder builder, Action<ClusterClientOptions> configure) =>
        builder.ConfigureServices(collection =>
        {
            collection.AddDistInferClient(configure);
            collection.AddHostedService<ClusterClientHostedService>();
        });
}
