using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>
/// Membership raises Changed outside its lock, so a snapshot read before a silo joined (a statistics publish racing
/// the join) can reach a silo after the snapshot with the new silo. The directory must keep the newer ring, or two
/// silos register one grain at two different owners and both activate it.
/// </summary>
public sealed class MembershipViewOrderTests
{
    [Fact]
    public void OnMembershipChanged_OlderSnapshotAfterNewer_KeepsNewerRing()
    {
        var silos = Enumerable.Range(0, 3).Select(i => new SiloInfo { Address = new SiloAddress("127.0.0.1", 11_000 + i, 1 + i) }).ToArray();
        var beforeJoin = new ClusterMembershipSnapshot(2, silos[..2]);
        var afterJoin = new ClusterMembershipSnapshot(3, silos);
        var directory = new GrainDirectory(silos[0].Address, new GrainFactory(() => throw new InvalidOperationException("no calls")), beforeJoin, TimeProvider.System);
        directory.OnMembershipChanged(afterJoin);
        var ringVersion = directory.RingVersion;

        directory.OnMembershipChanged(beforeJoin);

        var expected = new DirectoryRing(afterJoin);
        var grains = Enumerable.Range(0, 500).Select(i => new GrainId("view-order", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        Assert.All(grains, g => Assert.Equal(expected.Owner(g), directory.OwnerOf(g)));
        Assert.Equal(ringVersion, directory.RingVersion);
        Assert.True(directory.IsActive(silos[2].Address));
    }

    [Fact]
    public async Task ConcurrentFirstCalls_OlderSnapshotDeliveredAfterJoin_SingleActivation()
    {
        await using var cluster = await TestCluster.StartAsync(0);
        var views = new[] { new LaggingMembership(cluster.Membership), new LaggingMembership(cluster.Membership) };
        foreach (var view in views)
        {
            await cluster.AddSiloAsync(services: s => s.AddSingleton<IClusterMembershipService>(view));
        }

        var beforeJoin = cluster.Membership.Current;
        await cluster.AddSiloAsync();
        foreach (var view in views)
        {
            view.DeliverLate(beforeJoin);
        }

        // Every silo names the owner the newest view gives, for grains whose owner the join moved too.
        var ring = new DirectoryRing(cluster.Membership.Current);
        var oldRing = new DirectoryRing(beforeJoin);
        var factory = cluster.Silos[0].GrainFactory;
        var keys = Enumerable.Range(0, 10_000).Select(i => Signals.Unique("view-order-" + i))
            .Where(k => ring.Owner(factory.GetGrain<ITestGrain>(k).GetGrainId()) != oldRing.Owner(factory.GetGrain<ITestGrain>(k).GetGrainId()))
            .Take(20).ToArray();
        foreach (var silo in cluster.Silos)
        {
            Assert.All(keys, k => Assert.Equal(ring.Owner(factory.GetGrain<ITestGrain>(k).GetGrainId()), silo.Directory.OwnerOf(factory.GetGrain<ITestGrain>(k).GetGrainId())));
        }

        // [PreferLocal]: each silo's first call places the grain on itself; the directory must admit one.
        var calls = keys.SelectMany(key => Enumerable.Range(0, 9).Select(i => (key, task: cluster.Silos[i % 3].GrainFactory.GetGrain<ITestGrain>(key).InstanceId()))).ToArray();
        await Task.WhenAll(calls.Select(c => c.task));
        foreach (var group in calls.GroupBy(c => c.key))
        {
            Assert.Single(group.Select(c => c.task.Result).Distinct());
            Assert.Equal(1, TestGrain.ActivationsByKey[group.Key]);
        }
    }
}
