using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>
/// A silo stopping gracefully (a drain) while one of its grains is busy: the cluster sees it shutting down, calls that
/// arrive meanwhile activate on the other silo (never on the draining one, where the activation would vanish when it
/// leaves), and requests queued in its deactivating activations move to the new activation.
/// </summary>
public sealed class GracefulDrainTests
{
    [Fact]
    public async Task Call_WhileSiloDrains_ActivatesOnOtherSiloAndQueuedCallsMoveThere()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var draining = cluster.Silos[0];
        var staying = cluster.Silos[1];
        var busy = Signals.Unique("drain-busy");
        var gate = Signals.Unique("drain-gate");

        // Prefer-local placement: the grain lives on the silo that drains, and it is inside a turn.
        Assert.Equal(draining.Address.ToString(), await draining.GrainFactory.GetGrain<ITestGrain>(busy).WhereAmI());
        var holding = draining.GrainFactory.GetGrain<ITestGrain>(busy).Hold(gate);
        await Signals.WaitAsync(gate + "-entered");

        // The drain waits for the running turn, so it is still in progress below.
        var stopping = draining.StopAsync();
        Assert.True(cluster.Membership.Current.TryGet(draining.Address, out var row));
        Assert.Equal(SiloStatus.ShuttingDown, row.Status);
        Assert.False(stopping.IsCompleted);

        // A grain first called on the draining silo itself is placed on the other one (prefer-local would pick here).
        var fresh = draining.GrainFactory.GetGrain<ITestGrain>(Signals.Unique("drain-fresh"));
        Assert.Equal(staying.Address.ToString(), await fresh.WhereAmI());

        // A call queued behind the busy turn, and one from the other silo, both end at one new activation there.
        var queued = draining.GrainFactory.GetGrain<ITestGrain>(busy).WhereAmI();
        Assert.Equal(staying.Address.ToString(), await staying.GrainFactory.GetGrain<ITestGrain>(busy).WhereAmI());
        Signals.Set(gate);
        await holding;
        Assert.Equal(staying.Address.ToString(), await queued);
        await stopping;

        Assert.Equal(0, draining.ActivationCount);
        Assert.Equal(1, await staying.GrainFactory.GetGrain<ITestGrain>(busy).Add(1));
    }

    [Fact]
    public async Task StopAsync_LoneSilo_StillDeactivatesAndLeaves()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var silo = cluster.Silos[0];
        Assert.Equal(silo.Address.ToString(), await silo.GrainFactory.GetGrain<ITestGrain>(Signals.Unique("lone")).WhereAmI());

        await silo.StopAsync();

        Assert.Equal(0, silo.ActivationCount);
        Assert.True(cluster.Membership.Current.TryGet(silo.Address, out var row));
        Assert.Equal(SiloStatus.Dead, row.Status);
    }

    [Fact]
    public async Task StopAsync_GrainStillActivating_DeactivatesOnceActivatedAndTheQueuedCallMoves()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var draining = cluster.Silos[0];
        var staying = cluster.Silos[1];
        var key = Signals.Unique("slow-activation");

        // The first call creates the activation here (prefer-local) and waits in its queue while OnActivateAsync runs.
        var call = draining.GrainFactory.GetGrain<ISlowActivationGrain>(key).WhereAmI();
        await Signals.WaitAsync(key + "-activating");
        var stopping = draining.StopAsync();
        Assert.False(stopping.IsCompleted);
        Signals.Set(key + "-gate");

        // The drain used to ignore an activating grain and wait out its 30 s timeout with it still there.
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, draining.ActivationCount);
        Assert.Equal(staying.Address.ToString(), await call);
    }
}
