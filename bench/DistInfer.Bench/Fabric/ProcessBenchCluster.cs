using System.Diagnostics;
using System.Globalization;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Client;
using Microsoft.Extensions.Options;

namespace DistInfer.Bench.Fabric;

/// <summary>
/// A redis-server and N `distinfer-silo` processes clustered through it; the benchmark talks to them as a client
/// through the first silo's gateway (so each micro-batch costs one more loopback hop than with in-process silos).
/// </summary>
internal sealed class ProcessBenchCluster : IBenchCluster
{
    private readonly List<ChildProcess> _processes = [];
    private ClusterClient? _client;
    private string? _cache;

    public string Kind => "processes";

    public IGrainFactory Factory => _client!.GrainFactory;

    public static async Task<ProcessBenchCluster> StartAsync(int silos, string siloDll)
    {
        var cluster = new ProcessBenchCluster();
        try
        {
            await cluster.StartCoreAsync(silos, siloDll);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(int silos, string siloDll)
    {
        var redisPort = ChildProcess.FreePort();
        _processes.Add(await ChildProcess.StartAsync("redis-server",
            ["--port", Invariant(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "Ready to accept connections", TimeSpan.FromSeconds(30)));
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        _cache = Directory.CreateTempSubdirectory("distinfer-bench-cache-").FullName;
        var ports = Enumerable.Range(0, silos).Select(_ => ChildProcess.FreePort()).ToArray();
        var starts = Enumerable.Range(0, silos).Select(i => ChildProcess.StartAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            [siloDll, "--name", "bench" + i, "--cluster-id", clusterId, "--clustering", "redis", "--redis", "127.0.0.1:" + Invariant(redisPort),
             "--silo-port", Invariant(ports[i]), "--gateway-port", Invariant(ports[i]), "--http-port", Invariant(ChildProcess.FreePort()),
             "--model-cache", Path.Combine(_cache, "bench" + i)],
            $"distinfer-silo bench{i} is up", TimeSpan.FromMinutes(2)));
        _processes.AddRange(await Task.WhenAll(starts));

        var options = new ClusterClientOptions { ClusterId = clusterId };
        options.Gateways.Add("127.0.0.1:" + Invariant(ports[0]));
        _client = new ClusterClient(Options.Create(options));
        await _client.ConnectAsync();

        // Silos read the membership table periodically: wait until the gateway silo lists all of them as active.
        var clock = Stopwatch.StartNew();
        var front = _client.GrainFactory.GetGrain<IFrontGrain>("bench");
        while ((await front.Status()).Silos.Count(s => s.Status == "Active") < silos)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new BenchUsageException($"the silo processes do not see each other after 60 s:\n{string.Join("\n---\n", _processes.Select(p => p.Output))}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The last lines each process printed (for a failure report).</summary>
    public string Tail(int lines) => string.Join("\n---\n", _processes.Select(p => string.Join('\n', p.Output.Split('\n').TakeLast(lines))));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        if (_cache is not null && Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }
}
