using System.Diagnostics;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using DistInfer.TestSiloHost;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.Processes;

/// <summary>Silo processes of one cluster on a test's redis-server, the table they share and clients.</summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly List<ClusterClient> _clients = [];

    private ProcessCluster(RedisServerFixture redis, string clusterId, RedisMembershipTable table)
    {
        Redis = redis;
        ClusterId = clusterId;
        Table = table;
    }

    public RedisServerFixture Redis { get; }

    public string ClusterId { get; }

    public RedisMembershipTable Table { get; }

    public List<SiloProcess> Silos { get; } = [];

    public static async Task<ProcessCluster> StartAsync(RedisServerFixture redis, int silos)
    {
        var clusterId = "proc-" + Guid.NewGuid().ToString("N")[..8];
        var table = await RedisMembershipTable.ConnectAsync(new RedisMembershipOptions { Configuration = redis.Configuration, ClusterId = clusterId });
        var cluster = new ProcessCluster(redis, clusterId, table);
        try
        {
            var started = await Task.WhenAll(Enumerable.Range(0, silos).Select(i => SiloProcess.StartReadyAsync(redis.Configuration, clusterId, "silo" + i)));
            cluster.Silos.AddRange(started);
            await cluster.PollAsync(async () => CountActive(await table.ReadAllAsync()) == silos, TimeSpan.FromSeconds(30), $"{silos} active silos in the table");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Waits until the client's gateway places new grains on every silo: silos read the table every second (no
    /// gossip), so a silo that joined first sees the later ones up to a second after the table lists them.
    /// </summary>
    public async Task WaitForPlacementOnAllSilosAsync(IGrainFactory client)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var round = 0;
        await PollAsync(
            async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    seen.Add((await IdentifyAsync(client, $"warm-{round}-{i}")).Silo);
                }

                round++;
                return seen.Count == Silos.Count;
            },
            TimeSpan.FromSeconds(10),
            "placement on every silo");
    }

    public static int CountActive(MembershipTableData data) => data.Rows.Count(r => r.Entry.Status == SiloStatus.Active);

    /// <summary>A client that reads its gateways from the Redis membership table.</summary>
    public async Task<ClusterClient> ConnectClientAsync()
    {
        var options = new ClusterClientOptions { ClusterId = ClusterId }.UseRedisGateways(Redis.Configuration);
        var client = new ClusterClient(Options.Create(options));
        _clients.Add(client);
        await client.ConnectAsync();
        return client;
    }

    /// <summary>Polls an OS-process-level condition every 100 ms up to <paramref name="deadline"/>; returns the time it took.</summary>
    public async Task<TimeSpan> PollAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return watch.Elapsed;
                }
            }
            catch (MembershipTableUnavailableException) when (watch.Elapsed < deadline)
            {
                // Redis is being restarted by the test; poll again.
            }

            if (watch.Elapsed >= deadline)
            {
                Assert.Fail($"Timed out after {deadline} waiting for {what}; silo output:\n{string.Join("\n---\n", Silos.Select(s => s.Output))}");
            }

            await Task.Delay(100);
        }
    }

    public static async Task<(string Silo, string Activation)> IdentifyAsync(IGrainFactory factory, string key)
    {
        var text = await factory.GetGrain<IProcessGrain>(key).Identify();
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        return (text[..bar], text[(bar + 1)..]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        try
        {
            await Table.DeleteMembershipTableEntriesAsync(ClusterId);
        }
        catch (MembershipTableUnavailableException)
        {
            // Redis already gone; nothing to clean.
        }

        Table.Dispose();
    }
}
