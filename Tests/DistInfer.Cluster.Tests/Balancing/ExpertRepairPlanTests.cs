using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Placement;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>Where the replicas of a lost silo go (<see cref="ExpertReplacement"/>) and the repaired set (<see cref="ExpertRepairPlanner"/>).</summary>
public sealed class ExpertRepairPlanTests
{
    private static ExpertReplicaInfo Replica(int layer, int expert, int replica, string pin) =>
        new() { Layer = layer, Expert = expert, Replica = replica, Pin = pin, Key = new ExpertKey("m", layer, expert, replica, pin).ToString() };

    [Fact]
    public void Assign_PinnedSiloGone_TakesALiveSiloWithoutASibling()
    {
        // Every (layer + expert + replica) turn over the live silos, so each would once have picked the sibling's silo.
        for (var expert = 0; expert < 4; expert++)
        {
            ExpertReplicaInfo[] replicas = [Replica(0, expert, 0, "a:1"), Replica(0, expert, 1, "dead:1")];

            var moves = ExpertReplacement.Assign(replicas, ["a:1", "b:1", "c:1"]);

            var (key, pin) = Assert.Single(moves);
            Assert.Equal(replicas[1].Key, key);
            Assert.Contains(pin, new[] { "b:1", "c:1" });
        }
    }

    [Fact]
    public void Assign_TwoReplicasLost_TakeDistinctSilosAndTheDuplicateOfALivePinMovesToo()
    {
        ExpertReplicaInfo[] replicas = [Replica(1, 2, 0, "x:1"), Replica(1, 2, 1, "b:1"), Replica(1, 2, 2, "y:1"), Replica(1, 2, 3, "b:1")];

        var moves = ExpertReplacement.Assign(replicas, ["a:1", "b:1", "c:1", "d:1"]);

        Assert.Equal([replicas[0].Key, replicas[2].Key, replicas[3].Key], moves.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["a:1", "c:1", "d:1"], moves.Values.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Assign_EveryLiveSiloHoldsASibling_NoSiloForTheLostReplica()
    {
        var moves = ExpertReplacement.Assign([Replica(0, 0, 0, "a:1"), Replica(0, 0, 1, "dead:1")], ["a:1"]);

        Assert.Null(Assert.Single(moves).Value);
    }

    [Fact]
    public void Plan_ReplicasPinnedToADeadSilo_ReplacedByNewNumbersOnFreeSilosTheRestUntouched()
    {
        List<ExpertReplicaInfo> current = [Replica(0, 0, 0, "a:1"), Replica(0, 0, 3, "dead:1"), Replica(0, 1, 0, "dead:1"), Replica(0, 1, 1, "b:1"), Replica(2, 0, 0, "c:1")];

        var plan = ExpertRepairPlanner.Plan("m", current, ["a:1", "b:1", "c:1"]);

        Assert.Equal([current[1], current[2]], plan.Removed);
        Assert.Equal(2, plan.Added.Count);
        var expert0 = plan.Added.Single(r => r.Expert == 0);
        Assert.Equal(4, expert0.Replica);
        Assert.NotEqual("a:1", expert0.Pin);
        Assert.Equal(new ExpertKey("m", 0, 0, 4, expert0.Pin).ToString(), expert0.Key);
        var expert1 = plan.Added.Single(r => r.Expert == 1);
        Assert.Equal(2, expert1.Replica);
        Assert.NotEqual("b:1", expert1.Pin);
        Assert.Equal([current[0], expert0, expert1, current[3], current[4]], plan.Replicas);
    }

    [Fact]
    public void Plan_FewerLiveSilosThanReplicas_DropsTheLostOnesAndKeepsOneReplicaEach()
    {
        List<ExpertReplicaInfo> current = [Replica(0, 0, 0, "a:1"), Replica(0, 0, 1, "dead:1"), Replica(0, 1, 0, "dead:1"), Replica(0, 1, 1, "a:1")];

        var plan = ExpertRepairPlanner.Plan("m", current, ["a:1"]);

        Assert.Empty(plan.Added);
        Assert.Equal([current[1], current[2]], plan.Removed);
        Assert.Equal([current[0], current[3]], plan.Replicas);
    }

    [Fact]
    public void Plan_EveryReplicaOfAnExpertLost_OneSiloEachStillServesIt()
    {
        List<ExpertReplicaInfo> current = [Replica(0, 0, 0, "x:1"), Replica(0, 0, 1, "y:1"), Replica(0, 0, 2, "z:1")];

        var plan = ExpertRepairPlanner.Plan("m", current, ["a:1", "b:1"]);

        Assert.Equal(2, plan.Replicas.Count);
        Assert.Equal(2, plan.Replicas.Select(r => r.Pin).Distinct().Count());
        Assert.Equal(3, plan.Removed.Count);
    }

    [Fact]
    public void Plan_AllPinsLive_Unchanged()
    {
        List<ExpertReplicaInfo> current = [Replica(0, 0, 0, "a:1"), Replica(0, 0, 1, "b:1"), new() { Layer = 0, Expert = 1, Replica = 0, Key = "m/0/1/0" }];

        var plan = ExpertRepairPlanner.Plan("m", current, ["a:1", "b:1"]);

        Assert.False(plan.Changed);
        Assert.Equal(current, plan.Replicas);
    }

    [Fact]
    public void Plan_NoLiveSilo_ThrowsDistInferException() =>
        Assert.Throws<DistInferException>(() => ExpertRepairPlanner.Plan("m", [Replica(0, 0, 0, "a:1")], []));
}
