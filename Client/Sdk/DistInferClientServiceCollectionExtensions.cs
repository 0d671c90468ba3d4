using DistInfer.Runtime;
using DistInfer.Runtime.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DistInfer.Client;

/// <summary>`services.AddDistInferClient(o => o.Gateways.Add("host:11111"))` for any .NET app.</summary>
public static class DistInferClientServiceCollectionExtensions
{
    public static IServiceCollection AddDistInferClient(this IServiceCollection services, Action<DistInferClientOptions> configure)
    {
        services.AddOptions<DistInferClientOptions>().Configure(configure);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DistInferClientOptions>>().Value;
            var clientOptions = new ClusterClientOptions { ClusterId = options.ClusterId };
            foreach (var gateway in options.Gateways)
            {
                clientOptions.Gateways.Add(gateway);
            }

            // Connects on first call; ClusterClient reconnects and fails over between gateways.
            return new ClusterClient(Options.Create(clientOptions));
        });
        services.TryAddSingleton(sp => new DistInferClient((IGrainFactory)sp.GetRequiredService<ClusterClient>(), sp.GetRequiredService<IOptions<DistInferClientOptions>>().Value.PollWait));
        return services;
    }
}
