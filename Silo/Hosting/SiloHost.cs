using DistInfer.Grains.Compute;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Hosting;
using DistInfer.Silo.Dashboard;
using DistInfer.Silo.Http;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Hosting;

/// <summary>Builds the distinfer-silo process: grain runtime silo, inference fabric, HTTP API, metrics and dashboard.</summary>
public static class SiloHost
{
    /// <param name="options">What the command line gave.</param>
    /// <param name="args">Configuration arguments (--Section:Key=value).</param>
    /// <param name="configureServices">Last word on the services, for hosts embedding the silo (and tests).</param>
    public static WebApplication Build(SiloHostOptions options, string[]? args = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);

        // Kestrel's per-request lines would be two info lines per token stream; configuration can still lower it.
        // A start-up failure reaches Program, which prints it as one line: the host's "Hosting failed to start" error
        // would repeat it with a stack trace. A background service stopping the host is still logged (Critical).
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"), new("Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host", "Critical")],
        });
        var url = $"http://{options.Host}:{options.HttpPort}";
        builder.WebHost.UseUrls(url);
        var services = builder.Services;
        services.AddSingleton(options);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        services.AddDistInferSilo(o =>
        {
            o.Name = options.Name;
            o.ClusterId = options.ClusterId;
            o.Host = options.Host == "0.0.0.0" ? "127.0.0.1" : options.Host;
            o.Port = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            if (options.Role is { } role)
            {
                o.Roles.Add(role);
            }
        });
        SiloClustering.Configure(services, options);
        services.AddHostedService<SiloRunner>();
        services.AddDistInferFabric(new FabricOptions { RebalanceOnJoin = options.RebalanceOnJoin, StageMaxSequences = options.StageMaxSequences });
        services.AddSingleton(_ => GpuSelection.Select(options.Device ?? Environment.GetEnvironmentVariable(GpuSelection.Variable)));
        if (options.ModelCache is { } modelCache)
        {
            services.Configure<WeightsOptions>(o => o.CacheDirectory = Path.GetFullPath(modelCache));
        }

        if (options.ModelCacheMaxBytes > 0)
        {
            services.Configure<WeightsOptions>(o => o.CacheMaxBytes = options.ModelCacheMaxBytes);
        }

        services.AddSingleton<FabricInferenceService>();
        services.AddSingleton<IInferenceService>(sp => sp.GetRequiredService<FabricInferenceService>());
        services.AddSingleton<IClusterView, FabricClusterView>();
        services.AddDistInferHttp(o =>
        {
            o.Urls.Add(url);
            foreach (var key in options.ApiKeys)
            {
                o.ApiKeys.Add(key);
            }

            if (options.CorsOrigins is { } origins)
            {
                o.CorsOrigins.Clear();
                foreach (var origin in origins)
                {
                    o.CorsOrigins.Add(origin);
                }
            }
        });
        services.AddHostedService<StartupDeployment>();
        configureServices?.Invoke(services);
        var app = builder.Build();
        ModelCacheProbe.Check(app.Services.GetRequiredService<IOptions<WeightsOptions>>().Value.CacheDirectory);
        ComputeLog.ComputeDevice(app.Logger, app.Services.GetRequiredService<GrainComputeDevice>().Description);
        app.MapDistInferHttp();
        return app;
    }
}
