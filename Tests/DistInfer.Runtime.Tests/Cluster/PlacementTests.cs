using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class PlacementTests(ClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RandomPlacement_ManyGrains_SpreadOverSilos()
    {
        var prefix = Signals.Unique("random");
        var places = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Cluster.Silos[0].GrainFactory.GetGrain<IRandomGrain>(prefix + i).WhereAmI()));
        Assert.True(places.Distinct().Count() >= 2, "40 random placements all landed on one silo");
    }

    [Fact]
    public async Task PreferLocalPlacement_FirstCallFromSilo_ActivatesThere()
    {
        for (var i = 0; i < 3; i++)
        {
            var where = await Cluster.Silos[i].GrainFactory.GetGrain<ITestGrain>(Signals.Unique("local")).WhereAmI();
            Assert.Equal(Cluster.Silos[i].Address.ToString(), where);
        }
    }

    [Fact]
    public async Task HashBasedPlacement_SameKeyFromAnySilo_GoesToHashedSilo()
    {
        var ordered = Cluster.Membership.Current.ActiveSilos.Select(s => s.Address.ToString()).ToArray();
        for (var i = 0; i < 10; i++)
        {
            var grain = Cluster.Silos[i % 3].GrainFactory.GetGrain<IHashBasedGrain>(Signals.Unique("hash"));
            var expected = ordered[(int)(grain.GetGrainId().StableHashCode % (uint)ordered.Length)];
            Assert.Equal(expected, await grain.WhereAmI());
        }
    }

    [Fact]
    public async Task SiloRoleBasedPlacement_OnlySiloWithRole_HostsGrain()
    {
        for (var i = 0; i < 6; i++)
        {
            var where = await Cluster.Silos[i % 3].GrainFactory.GetGrain<IGpuGrain>(Signals.Unique("gpu")).WhereAmI();
            Assert.Equal(Cluster.Silos[2].Address.ToString(), where);
        }
    }

    [Fact]
    public async Task CustomPlacementDirector_MetadataFilter_ChoosesMatchingSilo()
    {
        for (var i = 0; i < 6; i++)
        {
            var where = await Cluster.Silos[i % 3].GrainFactory.GetGrain<IZoneGrain>(Signals.Unique("zone")).WhereAmI();
            Assert.Equal(Cluster.Silos[1].Address.ToString(), where);
        }
    }

    [Fact]
    public async Task ConcurrentFirstCalls_FromAllSilos_SingleActivation()
    {
        var keys = Enumerable.Range(0, 20).Select(_ => Signals.Unique("single")).ToArray();
        var calls = keys.SelectMany(key => Enumerable.Range(0, 9).Select(i => (key, task: Cluster.Silos[i % 3].GrainFactory.GetGrain<ITestGrain>(key).InstanceId()))).ToArray();
        await Task.WhenAll(calls.Select(c => c.task));
        foreach (var group in calls.GroupBy(c => c.key))
        {
            Assert.Single(group.Select(c => c.task.Result).Distinct());
            Assert.Equal(1, TestGrain.ActivationsByKey[group.Key]);
        }
    }
}
