using System.Diagnostics;
using System.Text.Json;
using DistInfer.Client;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>A redis-server and three `distinfer-silo` processes clustered through it, each seeing all three.</summary>
public sealed class ProcessFabricCluster : IAsyncLifetime
{
    private RedisServer? _redis;

    public string ClusterId { get; } = "fabric-" + Guid.NewGuid().ToString("N")[..8];

    internal List<SiloProcess> Silos { get; } = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        Silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(i => SiloProcess.StartAsync(_redis.Endpoint, ClusterId, "silo" + i))));

        // Silos read the membership table periodically: wait until every one of them lists all three as active.
        foreach (var silo in Silos)
        {
            await using var client = await ConnectAsync(silo);
            var clock = Stopwatch.StartNew();
            while ((await client.StatusAsync()).Silos.Count(s => s.Status == "Active") < Silos.Count)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{silo.Name} does not see {Silos.Count} active silos:\n{Output}");
                await Task.Delay(100);
            }
        }
    }

    internal Task<DistInferClient> ConnectAsync(params SiloProcess[] gateways)
    {
        var options = new DistInferClientOptions { ClusterId = ClusterId };
        foreach (var gateway in gateways)
        {
            options.Gateways.Add(gateway.Gateway);
        }

        return DistInferClient.ConnectAsync(options);
    }

    /// <summary>`distinfer ARGS --gateway SILO --cluster-id ID`.</summary>
    internal Task<string> CliAsync(SiloProcess gateway, params string[] args) =>
        DotnetTool.RunCliAsync([.. args, "--gateway", gateway.Gateway, "--cluster-id", ClusterId]);

    /// <summary>`distinfer status --json` through <paramref name="gateway"/>.</summary>
    internal async Task<JsonElement> StatusJsonAsync(SiloProcess gateway) =>
        JsonDocument.Parse(await CliAsync(gateway, "status", "--json")).RootElement.Clone();

    /// <summary>
    /// <paramref name="silo"/>'s status row once `status` shows it Dead, or its last row when <paramref name="limit"/>
    /// ran out (each ask is a CLI run; the vote can come after the requests a test waits for).
    /// </summary>
    internal async Task<JsonElement> SiloRowWhenDeadAsync(SiloProcess gateway, SiloProcess silo, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        JsonElement row;
        do
        {
            row = (await StatusJsonAsync(gateway)).GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("name").GetString() == silo.Name);
        }
        while (row.GetProperty("status").GetString() != "Dead" && DateTime.UtcNow < deadline);

        return row;
    }

    internal string Output => string.Join("\n---\n", Silos.Select(s => $"{s.Name}:\n{s.Output}"));

    public async Task DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
