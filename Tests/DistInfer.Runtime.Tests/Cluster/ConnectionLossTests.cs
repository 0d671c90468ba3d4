using System.Diagnostics;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>Losing a silo or gateway fails the calls in flight at once; later calls go elsewhere.</summary>
public sealed class ConnectionLossTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SiloKilled_CallsInFlight_FailAtOnce()
    {
        var key = Signals.Unique("lost");
        await _cluster.Silos[1].GrainFactory.GetGrain<ITestGrain>(key).WhereAmI();
        var grain = _cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(key);
        var gate = Signals.Unique("gate");
        var calls = Enumerable.Range(0, 3).Select(_ => grain.Hold(gate)).ToArray();
        await Signals.WaitAsync(gate + "-entered");
        var watch = Stopwatch.StartNew();
        await _cluster.Silos[1].KillAsync();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<SiloUnavailableException>(() => call);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"calls failed after {watch.Elapsed}, not at once");
        Signals.Set(gate);
    }

    [Fact]
    public async Task SiloDeclaredDead_NextCall_ActivatesGrainOnSurvivor()
    {
        var key = Signals.Unique("moved");
        var victim = _cluster.Silos[2];
        await victim.GrainFactory.GetGrain<ITestGrain>(key).WhereAmI();
        await victim.KillAsync();
        _cluster.Membership.Kill(victim.Address);
        var where = await _cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(key).WhereAmI();
        Assert.NotEqual(victim.Address.ToString(), where);
    }

    [Fact]
    public async Task SiloDeclaredDeadByMembership_StopsItself()
    {
        var victim = await _cluster.AddSiloAsync();
        Assert.True(victim.IsRunning);
        _cluster.Membership.Kill(victim.Address);
        await Eventually.TrueAsync(() => !victim.IsRunning, "silo told it is dead stops");
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => victim.GrainFactory.GetGrain<ITestGrain>(Signals.Unique("dead")).WhereAmI());
        Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloJoins_ExistingGrainsCalledFromNewSilo_NoSecondActivation()
    {
        var keys = Enumerable.Range(0, 30).Select(_ => Signals.Unique("join")).ToArray();
        var before = await Task.WhenAll(keys.Select(k => _cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(k).InstanceId()));
        var joined = await _cluster.AddSiloAsync();
        var after = await Task.WhenAll(keys.Select(k => joined.GrainFactory.GetGrain<ITestGrain>(k).InstanceId()));
        Assert.Equal(before, after);
        Assert.All(keys, k => Assert.Equal(1, TestGrain.ActivationsByKey[k]));
    }

    [Fact]
    public async Task GatewayKilled_ClientCallFailsAtOnce_ThenFailsOverToNextGateway()
    {
        var gateway = _cluster.Silos[0];
        var client = await _cluster.ConnectClientAsync(gateway, _cluster.Silos[1]);
        var key = Signals.Unique("gw");
        var gate = Signals.Unique("gate");
        var grain = client.GetGrain<ITestGrain>(key);
        var call = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        await gateway.KillAsync();
        _cluster.Membership.Kill(gateway.Address);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => call);
        Signals.Set(gate);
        Assert.Equal(_cluster.Silos[1].Address.ToString(), await client.GetGrain<ITestGrain>(Signals.Unique("after")).WhereAmI());
        Assert.EndsWith($":{_cluster.Silos[1].Address.Port}@0", client.CurrentGateway, StringComparison.Ordinal);
    }
}
