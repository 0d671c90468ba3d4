using System.Globalization;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Cluster;
using DistInfer.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// The real distinfer-silo (<see cref="SiloHost.Build"/>: grain runtime, fabric, HTTP API) in this process on free
/// loopback ports. <see cref="StopAsync"/> is the graceful shutdown SIGTERM triggers in the real process.
/// </summary>
internal sealed class HostedSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private HostedSilo(WebApplication app, SiloHostOptions options)
    {
        _app = app;
        Options = options;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}"), Timeout = TimeSpan.FromMinutes(3) };
    }

    public SiloHostOptions Options { get; }

    public HttpClient Http { get; }

    public string Gateway => $"127.0.0.1:{Options.ClientPort}";

    public IServiceProvider Services => _app.Services;

    public FabricFront Front => Services.GetRequiredService<FabricFront>();

    public IClusterMembershipService Membership => Services.GetRequiredService<IClusterMembershipService>();

    /// <summary>Starts a silo; <paramref name="redis"/> null means localhost clustering (a cluster of this silo alone).</summary>
    public static async Task<HostedSilo> StartAsync(string name, string clusterId, string? redis, Action<SiloHostOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var options = new SiloHostOptions
        {
            Name = name,
            ClusterId = clusterId,
            Clustering = redis is null ? "localhost" : "redis",
            Redis = redis,
            SiloPort = FreePort.Next(),
            HttpPort = FreePort.Next(),
        };
        configure?.Invoke(options);
        var app = SiloHost.Build(options, ["--Logging:LogLevel:Default=Warning"], configureServices);
        await app.StartAsync();
        return new HostedSilo(app, options);
    }

    /// <summary>Completes once this silo's membership view holds exactly <paramref name="count"/> active silos.</summary>
    public Task WaitForActiveSilosAsync(int count)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(ClusterMembershipSnapshot view)
        {
            if (view.ActiveSilos.Count == count)
            {
                seen.TrySetResult();
            }
        }

        Membership.Changed += Check;
        Check(Membership.Current);
        return seen.Task.WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(
            t =>
            {
                Membership.Changed -= Check;
                return t;
            },
            TaskScheduler.Default).Unwrap();
    }

    /// <summary>The cluster's status as this silo's front sees it.</summary>
    public Task<ClusterStatus> StatusAsync() => Services.GetRequiredService<Runtime.IGrainFactory>().GetGrain<IFrontGrain>("test").Status();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Options.Name} ({Gateway})");

    /// <summary>Graceful shutdown: HTTP stops, grains deactivate, the silo leaves membership.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }
}
