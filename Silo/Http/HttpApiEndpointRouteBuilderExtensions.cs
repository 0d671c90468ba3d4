using DistInfer.Silo.Dashboard;
using DistInfer.Silo.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

public static class HttpApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps /v1/completions, /v1/chat/completions, /v1/models (bearer keys checked), /metrics, /api/cluster and
    /// /dashboard (keys checked when configured and the silo listens beyond loopback). Throws <see cref="Engine.DistInferException"/> when the host listens beyond loopback without API
    /// keys, so the silo refuses to start.
    /// </summary>
    public static IEndpointRouteBuilder MapDistInferHttp(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<IOptions<HttpApiOptions>>().Value;
        var urls = HostUrls(endpoints);
        options.Validate(urls);

        // Resolve the bridge now so runtime instruments are captured from startup, not from the first scrape.
        services.GetRequiredService<MeterBridge>();
        var completions = services.GetRequiredService<CompletionsEndpoint>();
        var models = services.GetRequiredService<ModelsEndpoint>();
        var metricsEndpoint = services.GetRequiredService<MetricsEndpoint>();
        var dashboard = services.GetRequiredService<DashboardEndpoints>();
        var keys = services.GetRequiredService<ApiKeyValidator>();
        var metrics = services.GetRequiredService<RequestMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("DistInfer.Silo.Http");
        var guard = new ObservabilityGuard(keys, options.ApiKeys.Count > 0 && HttpApiOptions.AnyBeyondLoopback([.. options.Urls, .. urls]));

        RequestDelegate Api(Func<HttpContext, Task> handler) => async context =>
        {
            try
            {
                keys.Check(context);
                await handler(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; its generation has been cancelled with it.
            }
            catch (Exception e)
            {
                var api = ApiErrors.From(e, context);
                if (api.Status >= 500 && e is not ApiException)
                {
                    Log.RequestFailed(logger, context.Request.Path, e);
                }

                metrics.RecordError(api.Status);
                if (!context.Response.HasStarted)
                {
                    await ApiErrors.WriteAsync(context, api).ConfigureAwait(false);
                }
            }
        };

        // Liveness for load balancers and orchestrators (as vLLM's /health): no key, no model call. HEAD, which some
        // probes send, answers the same without the body.
        endpoints.MapMethods("/health", [HttpMethods.Get, HttpMethods.Head], static context =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 3;
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("ok\n", context.RequestAborted);
        });
        endpoints.MapPost("/v1/completions", Api(completions.CompletionsAsync));
        endpoints.MapPost("/v1/chat/completions", Api(completions.ChatCompletionsAsync));
        endpoints.MapGet("/v1/models", Api(models.ListAsync));
        // A catch-all: model names such as org/model hold slashes.
        endpoints.MapGet("/v1/models/{**id}", Api(models.GetAsync));
        endpoints.MapGet("/metrics", guard.Wrap(metricsEndpoint.ScrapeAsync));
        endpoints.MapGet("/api/cluster", guard.Wrap(dashboard.ClusterAsync));
        endpoints.MapGet(ObservabilityGuard.DashboardPath, guard.Wrap(context => DashboardEndpoints.AssetAsync(context, "dashboard.html")));
        foreach (var asset in DashboardEndpoints.ContentTypes.Keys)
        {
            endpoints.MapGet(ObservabilityGuard.DashboardPath + "/" + asset, guard.Wrap(context => DashboardEndpoints.AssetAsync(context, asset)));
        }

        return endpoints;
    }

    /// <summary>The URLs the host was told to listen on: "urls" (UseUrls, ASPNETCORE_URLS) and WebApplication.Urls.</summary>
    private static List<string> HostUrls(IEndpointRouteBuilder endpoints)
    {
        var urls = new List<string>();
        var configured = endpoints.ServiceProvider.GetService<IConfiguration>()?["urls"];
        if (!string.IsNullOrEmpty(configured))
        {
            urls.Add(configured);
        }

        if (endpoints is WebApplication app)
        {
            urls.AddRange(app.Urls);
        }

        return urls;
    }
}
