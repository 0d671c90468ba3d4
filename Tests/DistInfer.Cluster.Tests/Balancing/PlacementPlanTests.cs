using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Placement;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class PlacementPlanTests
{
    private static readonly (string Pin, long FreeBytes)[] ThreeSilos = [("10.0.0.1:1", 8L << 30), ("10.0.0.2:1", 8L << 30), ("10.0.0.3:1", 8L << 30)];

    [Fact]
    public void Plan_ThreeReplicasOnThreeSilos_NeverCoLocatesReplicasOfOneExpert()
    {
        var plan = ExpertPlacementPlanner.Plan("m", [0, 1, 2], 8, 3, new Dictionary<int, string>(), ThreeSilos, 1 << 20);

        Assert.Equal(3 * 8 * 3, plan.Count);
        foreach (var group in plan.GroupBy(r => (r.Layer, r.Expert)))
        {
            Assert.Equal(3, group.Select(r => r.Pin).Distinct().Count());
        }

        Assert.All(plan, r => Assert.Equal(new ExpertKey("m", r.Layer, r.Expert, r.Replica, r.Pin).ToString(), r.Key));
    }

    [Fact]
    public void Plan_OneReplica_SpreadsLayerOverSilosAndPrefersStageSilo()
    {
        var stage = new Dictionary<int, string> { [0] = "10.0.0.2:1" };

        var plan = ExpertPlacementPlanner.Plan("m", [0], 8, 1, stage, ThreeSilos, 1 << 20);

        var perSilo = plan.GroupBy(r => r.Pin).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, perSilo.Count);
        Assert.Equal(3, perSilo["10.0.0.2:1"]);
        Assert.Equal("10.0.0.2:1", plan.Single(r => r.Expert == 0).Pin);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Plan_LikeSilosWithFreeMemoryNoise_StageSiloKeepsItsShareWhicheverHasLeast(int stageSilo)
    {
        // Host memory sampled at different moments on one machine: a GiB apart, in any order.
        (string Pin, long FreeBytes)[] silos = [("a:1", 22L << 30), ("b:1", (21L << 30) + (300L << 20)), ("c:1", (22L << 30) + (400L << 20))];
        var stage = new Dictionary<int, string> { [0] = silos[stageSilo].Pin, [1] = silos[stageSilo].Pin };

        var plan = ExpertPlacementPlanner.Plan("m", [0, 1], 8, 1, stage, silos, 1 << 20);

        foreach (var layer in plan.GroupBy(r => r.Layer))
        {
            Assert.Equal(3, layer.Count(r => r.Pin == silos[stageSilo].Pin));
            Assert.Equal(3, layer.Select(r => r.Pin).Distinct().Count());
            Assert.Equal(silos[stageSilo].Pin, layer.Single(r => r.Expert == 0).Pin);
        }
    }

    [Fact]
    public void Plan_SiloWithMoreFreeMemory_TakesProportionallyMore()
    {
        (string, long)[] silos = [("a:1", 12L << 30), ("b:1", 4L << 30)];

        var plan = ExpertPlacementPlanner.Plan("m", [0], 8, 1, new Dictionary<int, string>(), silos, 1 << 20);

        Assert.Equal(6, plan.Count(r => r.Pin == "a:1"));
        Assert.Equal(2, plan.Count(r => r.Pin == "b:1"));
    }

    [Fact]
    public void Plan_ExpertDoesNotFitStageSilo_GoesElsewhere()
    {
        (string, long)[] silos = [("a:1", 3L << 20), ("b:1", 1L << 30)];

        var plan = ExpertPlacementPlanner.Plan("m", [0], 4, 1, new Dictionary<int, string> { [0] = "a:1" }, silos, 2L << 20);

        Assert.Equal(1, plan.Count(r => r.Pin == "a:1"));
        Assert.Equal(3, plan.Count(r => r.Pin == "b:1"));
    }

    [Fact]
    public void Plan_MoreReplicasThanSilos_ThrowsDistInferException()
    {
        var e = Assert.Throws<DistInferException>(() => ExpertPlacementPlanner.Plan("m", [0], 4, 4, new Dictionary<int, string>(), ThreeSilos, 1));

        Assert.Contains("never share a silo", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RebalancePlan_HotExpert_GetsReplicasOnDistinctSilosAndKeepsRunningOnes()
    {
        string[] silos = ["a:1", "b:1", "c:1"];
        var current = Enumerable.Range(0, 4).Select(e => (new ExpertReplicaInfo { Layer = 3, Expert = e, Replica = 0, Pin = silos[e % 3], Key = $"m/3/{e}/0@{silos[e % 3]}" }, e == 0 ? 400L : 100L, silos[e % 3])).ToList();

        var plan = RebalancePlanner.Plan("m", [3], 4, current, silos, new RebalanceRequest { SlotsPerLayer = 8 });

        var hot = plan.Replicas.Where(r => r.Expert == 0).ToList();
        Assert.Equal(3, hot.Count);
        Assert.Equal(3, hot.Select(r => r.Pin).Distinct().Count());
        Assert.Contains(hot, r => r.Key == "m/3/0/0@a:1");
        Assert.All(plan.Added, r => Assert.True(r.Replica >= 1, "a replica number was reused"));
        Assert.True(plan.BalancednessBefore < 0.5);
        Assert.True(plan.ExpectedBalancedness >= 0.85, $"expected balancedness {plan.ExpectedBalancedness:F3}");
        Assert.Equal(6, plan.Replicas.Count);
    }

    /// <summary>
    /// A replica whose silo died reactivates elsewhere with its old key (a failed repair leaves it so): the plan kept it
    /// under the dead silo's pin, so expert-host calls went to the dead silo and a silo back on that endpoint looked
    /// like its home (review finding).
    /// </summary>
    [Fact]
    public void RebalancePlan_ReplicaRunsAwayFromItsPin_ReplacedByOnePinnedWhereItRuns()
    {
        string[] silos = ["b:1", "c:1"];
        var stale = new ExpertReplicaInfo { Layer = 0, Expert = 0, Replica = 0, Pin = "a:1", Key = "m/0/0/0@a:1" };
        var current = new List<(ExpertReplicaInfo, long, string)>
        {
            (stale, 10L, "b:1"),
            (new ExpertReplicaInfo { Layer = 0, Expert = 1, Replica = 0, Pin = "c:1", Key = "m/0/1/0@c:1" }, 10L, "c:1"),
        };

        var plan = RebalancePlanner.Plan("m", [0], 2, current, silos, new RebalanceRequest());

        Assert.Contains(stale, plan.Removed);
        Assert.All(plan.Replicas, r => Assert.Contains(r.Pin, silos));
        Assert.Equal(2, plan.Replicas.Count);
    }

    [Fact]
    public void RebalancePlan_EvenLoadWithFloorOfTwo_KeepsTwoReplicasOfEveryExpertOnDistinctSilos()
    {
        string[] silos = ["a:1", "b:1", "c:1"];
        // Two replicas of each of four experts on a and b, all alike (an idle spread counts every replica as 1).
        var current = Enumerable.Range(0, 8).Select(i => (new ExpertReplicaInfo { Layer = 0, Expert = i / 2, Replica = i % 2, Pin = silos[i % 2], Key = $"m/0/{i / 2}/{i % 2}@{silos[i % 2]}" }, 1L, silos[i % 2])).ToList();

        var floorless = RebalancePlanner.Plan("m", [0], 4, current, silos, new RebalanceRequest());
        var plan = RebalancePlanner.Plan("m", [0], 4, current, silos, new RebalanceRequest(), minReplicasPerExpert: 2);

        // One replica each serves even load as evenly: without the floor the plan drops half of them.
        Assert.Equal(4, floorless.Replicas.Count);
        Assert.Equal(8, plan.Replicas.Count);
        Assert.All(plan.Replicas.GroupBy(r => r.Expert), g => Assert.Equal(2, g.Select(r => r.Pin).Distinct().Count()));
        Assert.Contains(plan.Replicas, r => r.Pin == "c:1");
    }

    [Fact]
    public void RebalancePlan_FloorAboveTheSilos_KeepsOneReplicaPerSilo()
    {
        string[] silos = ["a:1"];
        var current = new List<(ExpertReplicaInfo, long, string)>
        {
            (new ExpertReplicaInfo { Layer = 0, Expert = 0, Replica = 0, Pin = "a:1", Key = "m/0/0/0@a:1" }, 5, "a:1"),
            (new ExpertReplicaInfo { Layer = 0, Expert = 1, Replica = 0, Pin = "a:1", Key = "m/0/1/0@a:1" }, 5, "a:1"),
        };

        var plan = RebalancePlanner.Plan("m", [0], 2, current, silos, new RebalanceRequest(), minReplicasPerExpert: 2);

        Assert.Equal(2, plan.Replicas.Count);
        Assert.False(plan.Changed);
    }

    [Fact]
    public void RebalancePlan_TwoReplicasOnOneSilo_RemovesOne()
    {
        string[] silos = ["a:1", "b:1"];
        var current = new List<(ExpertReplicaInfo, long, string)>
        {
            (new ExpertReplicaInfo { Layer = 0, Expert = 0, Replica = 0, Key = "m/0/0/0" }, 10, "a:1"),
            (new ExpertReplicaInfo { Layer = 0, Expert = 0, Replica = 1, Key = "m/0/0/1" }, 10, "a:1"),
            (new ExpertReplicaInfo { Layer = 0, Expert = 1, Replica = 0, Key = "m/0/1/0" }, 10, "b:1"),
        };

        var plan = RebalancePlanner.Plan("m", [0], 2, current, silos, new RebalanceRequest { SlotsPerLayer = 3 });

        foreach (var group in plan.Replicas.GroupBy(r => r.Expert))
        {
            Assert.Equal(group.Count(), group.Select(r => r.Key).Distinct().Count());
        }

        Assert.NotEmpty(plan.Removed);
    }

    [Fact]
    public async Task Director_PinnedKey_PlacesOnPinnedSiloElseFallsBackToRank()
    {
        var a = new SiloAddress("10.0.0.1", 11, 1);
        var b = new SiloAddress("10.0.0.2", 11, 1);
        var context = new FixedContext([new SiloInfo { Address = a }, new SiloInfo { Address = b }]);
        var director = new ExpertPlacementDirector();

        var pinned = await director.OnAddActivation(ExpertPlacement.Instance, Target("m/0/1/7@10.0.0.2:11"), context);
        var gone = await director.OnAddActivation(ExpertPlacement.Instance, Target("m/0/1/7@10.0.0.9:11"), context);
        var replica0 = await director.OnAddActivation(ExpertPlacement.Instance, Target("m/0/1/0"), context);
        var replica1 = await director.OnAddActivation(ExpertPlacement.Instance, Target("m/0/1/1"), context);

        Assert.Equal(b, pinned);
        Assert.Contains(gone, new[] { a, b });
        Assert.NotEqual(replica0, replica1);
    }

    [Fact]
    public async Task Director_PinnedSiloGone_TakesASiloWithoutAnotherReplicaOfTheExpert()
    {
        SiloAddress[] silos = [new("10.0.0.1", 11, 1), new("10.0.0.2", 11, 1), new("10.0.0.3", 11, 1)];
        var context = new FixedContext([.. silos.Select(a => new SiloInfo { Address = a })]);
        var records = new DeploymentRecords();
        var set = new List<ExpertReplicaInfo>();
        for (var e = 0; e < 3; e++)
        {
            // Replica 0 of expert e on the silo the rank rule, (e + layer + 1) mod 3, would give its lost replica 1.
            var sibling = ExpertKey.PinOf(silos[(e + 1) % 3].ToString());
            set.Add(new ExpertReplicaInfo { Layer = 0, Expert = e, Replica = 0, Pin = sibling, Key = $"m/0/{e}/0@{sibling}" });
            set.Add(new ExpertReplicaInfo { Layer = 0, Expert = e, Replica = 1, Pin = "10.0.0.9:11", Key = $"m/0/{e}/1@10.0.0.9:11" });
        }

        records.Save(new DeploymentInfo { Name = "m", ModelPath = "/m", MoeLayers = [0], NumExperts = 3, ExpertReplicaSet = set });
        var director = new ExpertPlacementDirector(records);

        for (var e = 0; e < 3; e++)
        {
            var placed = await director.OnAddActivation(ExpertPlacement.Instance, Target($"m/0/{e}/1@10.0.0.9:11"), context);

            Assert.NotEqual(silos[(e + 1) % 3], placed);
        }
    }

    private static PlacementTarget Target(string key) => new(new GrainId(typeof(IExpertGrain).FullName!, key));

    private sealed class FixedContext(IReadOnlyList<SiloInfo> silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0].Address;

        public IReadOnlyList<SiloInfo> GetCompatibleSilos(PlacementTarget target) => silos;
    }
}
