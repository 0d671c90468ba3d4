using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

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
}
