using DistInfer.Silo.Dashboard;
using DistInfer.Silo.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DistInfer.Silo.Http;

public static class HttpApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the OpenAI-compatible API, /metrics and the dashboard, and (a startup filter in front of the host's
    /// pipeline) CORS and the JSON error bodies of unknown routes. Needs an <see cref="Serving.IInferenceService"/>
    /// registered by the host. Registers <see cref="LocalClusterView"/> as <see cref="IClusterView"/> unless one
    /// already is, and the metrics sources: request metrics, the Meter "DistInfer" bridge, expert load. Add more
    /// sources with <c>services.AddSingleton&lt;IMetricsSource, T&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddDistInferHttp(this IServiceCollection services, Action<HttpApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<HttpApiOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterView, LocalClusterView>();
        services.TryAddSingleton<RequestMetrics>();
        services.TryAddSingleton<MeterBridge>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, RequestMetrics>(sp => sp.GetRequiredService<RequestMetrics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, MeterBridge>(sp => sp.GetRequiredService<MeterBridge>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, ExpertLoadMetricsSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, GatewayMetricsSource>(sp => new GatewayMetricsSource(sp.GetService<Grains.Fabric.GatewayCounters>())));
        services.TryAddSingleton<ApiKeyValidator>();
        services.TryAddSingleton<ModelResolver>();
        services.TryAddSingleton<GenerationRunner>();
        services.TryAddSingleton<ResponseWriter>();
        services.TryAddSingleton<CompletionsEndpoint>();
        services.TryAddSingleton<ModelsEndpoint>();
        services.TryAddSingleton<MetricsEndpoint>();
        services.TryAddSingleton<DashboardEndpoints>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, HttpApiStartupFilter>());
        return services;
    }
}
