using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>Replacing every silo of a cluster one at a time with graceful stops (a rolling restart).</summary>
public sealed class RollingRestartTests
{
    private const int GrainsPerSilo = 12;

    [Fact]
    public async Task RollingRestart_BothSilosReplacedGracefully_EveryGrainCallableFromNewSiloAndClient()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var first = cluster.Silos[0];
        var second = cluster.Silos[1];
        var keys = new List<string>();
        foreach (var silo in new[] { first, second })
        {
            for (var i = 0; i < GrainsPerSilo; i++)
            {
                var key = Signals.Unique("rolling");
                keys.Add(key);
                Assert.Equal(1, await silo.GrainFactory.GetGrain<ITestGrain>(key).Add(1));
            }
        }

        Assert.True(first.ActivationCount > 0 && second.ActivationCount > 0);

        await first.StopAsync();
        var third = await cluster.AddSiloAsync();
        await AssertAllCallableAsync(third, keys, [second, third]);

        await second.StopAsync();
        var fourth = await cluster.AddSiloAsync();
        await AssertAllCallableAsync(fourth, keys, [third, fourth]);
        await AssertAllCallableAsync(third, keys, [third, fourth]);

        var client = await cluster.ConnectClientAsync(third, fourth);
        foreach (var key in keys)
        {
            var where = await client.GetGrain<ITestGrain>(key).WhereAmI();
            Assert.Contains(where, new[] { third.Address.ToString(), fourth.Address.ToString() });
        }
    }

    [Fact]
    public async Task RollingRestart_CallsRunningWhileSilosDrain_NoCallFails()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var first = cluster.Silos[0];
        var second = cluster.Silos[1];
        var keys = new List<string>();
        for (var i = 0; i < GrainsPerSilo; i++)
        {
            foreach (var silo in new[] { first, second })
            {
                var key = Signals.Unique("draining");
                keys.Add(key);
                await silo.GrainFactory.GetGrain<ITestGrain>(key).Add(1);
            }
        }

        var third = await cluster.AddSiloAsync();
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var load = Task.Run(async () =>
        {
            // Callers on the silo that stays: every call must succeed while the others drain and leave.
            while (!stop.IsCancellationRequested)
            {
                foreach (var key in keys)
                {
                    await third.GrainFactory.GetGrain<ITestGrain>(key).Add(1);
                    Interlocked.Increment(ref calls);
                }
            }
        });

        await first.StopAsync();
        var fourth = await cluster.AddSiloAsync();
        await second.StopAsync();
        var before = Volatile.Read(ref calls);
        await AssertAllCallableAsync(fourth, keys, [third, fourth]);
        stop.Cancel();
        await load;
        Assert.True(Volatile.Read(ref calls) > before, "the load kept running after both silos left");
    }

    [Fact]
    public async Task Call_DirectoryOwnerViewLagsBehindSiloLeave_ReactivatesOnLiveSilo()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var lagging = new LaggingMembership(cluster.Membership);
        var owner = await cluster.AddSiloAsync(services: s => s.AddSingleton<IClusterMembershipService>(lagging));
        var caller = cluster.Silos[0];
        var leaving = cluster.Silos[1];
        var onLeaving = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            // Prefer-local placement: activated on the silo that leaves; the entries spread over the three owners.
            var key = Signals.Unique("lagging");
            Assert.Equal(leaving.Address.ToString(), await leaving.GrainFactory.GetGrain<ITestGrain>(key).WhereAmI());
            onLeaving.Add(key);
        }

        // The owner keeps seeing the silo as active, so its partition keeps the entries pointing at it.
        lagging.Freeze();
        await leaving.KillAsync();
        cluster.Membership.Kill(leaving.Address);

        var live = new[] { caller.Address.ToString(), owner.Address.ToString() };
        foreach (var key in onLeaving)
        {
            Assert.Contains(await caller.GrainFactory.GetGrain<ITestGrain>(key).WhereAmI(), live);
        }

        lagging.Thaw();
    }

    private static async Task AssertAllCallableAsync(Silo caller, List<string> keys, Silo[] running)
    {
        var allowed = running.Select(s => s.Address.ToString()).ToArray();
        foreach (var key in keys)
        {
            var grain = caller.GrainFactory.GetGrain<ITestGrain>(key);
            Assert.Contains(await grain.WhereAmI(), allowed);
            Assert.True(await grain.Add(1) > 0);
        }
    }
}
