using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>A silo dies while owning the directory entry of a grain that lives on a survivor.</summary>
public sealed class DirectoryRecoveryTests
{
    [Fact]
    public async Task OwnerDies_GrainOnSurvivorCalledFromThirdSiloAtOnce_SameActivationAnswers()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (host, caller, owner) = (cluster.Silos[0], cluster.Silos[1], cluster.Silos[2]);
        var ring = new DirectoryRing(cluster.Membership.Current);

        // A key whose entry the doomed silo owns; [PreferLocal] activates it on the silo that calls first.
        var key = Enumerable.Range(0, 10_000).Select(i => "recover-" + i)
            .First(k => ring.Owner(host.GrainFactory.GetGrain<ITestGrain>(k).GetGrainId()) == owner.Address);
        var instance = await host.GrainFactory.GetGrain<ITestGrain>(key).InstanceId();

        await owner.KillAsync();
        cluster.Membership.Kill(owner.Address);

        // The caller's look-up reaches the new owner before the host re-registered its activation there: the
        // owner must find the existing activation instead of letting the caller place a second one.
        Assert.Equal(instance, await caller.GrainFactory.GetGrain<ITestGrain>(key).InstanceId());
        Assert.Equal(instance, await host.GrainFactory.GetGrain<ITestGrain>(key).InstanceId());
    }

    [Fact]
    public async Task Call_OwnerMissedANewerSilosJoin_EntriesPointingAtTheNewSiloStandAndAnswer()
    {
        await using var cluster = await TestCluster.StartAsync(0);
        var lagging = new LaggingMembership(cluster.Membership);
        var owner = await cluster.AddSiloAsync(services: s => s.AddSingleton<IClusterMembershipService>(lagging));

        // The owner never reads the table while the next silo joins (as when its reads fail while Redis restarts).
        lagging.Freeze();
        var newer = await cluster.AddSiloAsync();
        var ring = new DirectoryRing(cluster.Membership.Current);
        var keys = Enumerable.Range(0, 10_000).Select(i => "missed-" + i)
            .Where(k => ring.Owner(newer.GrainFactory.GetGrain<ITestGrain>(k).GetGrainId()) == owner.Address)
            .Take(8).ToList();
        var instances = new Dictionary<string, string>();
        foreach (var key in keys)
        {
            // [PreferLocal]: activated on the newer silo, registered at the owner, which does not know that silo.
            instances[key] = await newer.GrainFactory.GetGrain<ITestGrain>(key).InstanceId();
        }

        // Another change reaches the owner's view, still without the newer silo: its entries must not be dropped.
        lagging.RepublishFrozen();

        foreach (var key in keys)
        {
            Assert.Equal(instances[key], await owner.GrainFactory.GetGrain<ITestGrain>(key).InstanceId());
        }

        lagging.Thaw();
    }
}
