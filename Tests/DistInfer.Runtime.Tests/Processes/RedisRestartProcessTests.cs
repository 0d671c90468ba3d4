using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DistInfer.Runtime.Tests.Processes;

/// <summary>Redis (no persistence: the table is lost) restarted under a running multi-process cluster.</summary>
public sealed class RedisRestartProcessTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 12).Select(i => "restart" + i)];

    [Fact]
    public async Task RedisRestarted_WhileClusterRuns_CallsKeepWorkingAndRowsComeBack()
    {
        await using var cluster = await ProcessCluster.StartAsync(redis, 2);
        var client = await cluster.ConnectClientAsync();
        var before = new Dictionary<string, string>();
        var beforeSilo = new Dictionary<string, string>();
        foreach (var key in Keys)
        {
            var id = await ProcessCluster.IdentifyAsync(client, key);
            before[key] = id.Activation;
            beforeSilo[key] = id.Silo;
        }

        await redis.RestartAsync();

        // Grain calls do not need Redis: the same activations answer at once.
        foreach (var key in Keys)
        {
            Assert.Equal(before[key], (await ProcessCluster.IdentifyAsync(client, key)).Activation);
        }

        // The silos write their lost rows back; the cluster is whole again and nobody was declared dead.
        var restored = await cluster.PollAsync(async () => ProcessCluster.CountActive(await cluster.Table.ReadAllAsync()) == 2, TimeSpan.FromSeconds(10), "both rows restored");
        output.WriteLine($"rows restored {restored.TotalMilliseconds:0} ms after the restart");
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, s.Output));
        var bad = 0;
        foreach (var key in Keys)
        {
            var now = await ProcessCluster.IdentifyAsync(client, key);
            if (before[key] != now.Activation)
            {
                bad++;
                output.WriteLine($"DIFF {key}: before on {beforeSilo[key]}, now on {now.Silo}");
            }
        }

        if (bad > 0)
        {
            foreach (var s in cluster.Silos)
            {
                output.WriteLine("SILO OUTPUT: " + s.Output);
            }
        }

        Assert.Equal(0, bad);

        // A new client finds its gateways in the restored table.
        var late = await cluster.ConnectClientAsync();
        var lateId = await ProcessCluster.IdentifyAsync(late, Keys[0]);
        if (lateId.Activation != before[Keys[0]])
        {
            output.WriteLine($"LATE DIFF: before on {beforeSilo[Keys[0]]}, now on {lateId.Silo}; late gateway {late.CurrentGateway}, old gateway {client.CurrentGateway}");
            foreach (var s in cluster.Silos)
            {
                output.WriteLine("SILO OUTPUT: " + s.Output);
            }
        }

        Assert.Equal(before[Keys[0]], lateId.Activation);
        Assert.DoesNotContain((await cluster.Table.ReadAllAsync()).Rows, r => r.Entry.Status == SiloStatus.Dead);
    }
}
