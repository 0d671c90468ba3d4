using DistInfer.Engine.Partitioning;

namespace DistInfer.Engine.Tests.Partitioning;

public sealed class ExpertBalancerTests
{
    private static readonly double[] SkewedLoad = [300, 300, 50, 50, 50, 50, 50, 50];

    [Fact]
    public void Replicate_SkewedLoad_BalancednessRisesFromBelowHalfToAboveEightTenths()
    {
        var before = ExpertBalancer.Balancedness(SkewedLoad);
        var replicas = ExpertBalancer.Replicate(SkewedLoad, 14, maxReplicas: 4);
        var after = ExpertBalancer.Balancedness(SkewedLoad.SelectMany((l, e) => Enumerable.Repeat(l / replicas[e], replicas[e])));

        Assert.True(before < 0.5, $"before {before:F2}");
        Assert.True(after >= 0.8, $"after {after:F2} with replicas {string.Join(",", replicas)}");
        Assert.Equal(14, replicas.Sum());
        Assert.Equal([4, 4, 1, 1, 1, 1, 1, 1], replicas);
    }

    [Fact]
    public void Pack_Replicas_NeverTwoOfOneExpertOnASiloAndSilosEvenlyLoaded()
    {
        var replicas = ExpertBalancer.Replicate(SkewedLoad, 14, maxReplicas: 4);
        var slots = ExpertBalancer.Pack(SkewedLoad, replicas, 4);

        Assert.Equal(14, slots.Count);
        Assert.All(slots.GroupBy(s => (s.Expert, s.Silo)), g => Assert.Single(g));
        var perSilo = slots.GroupBy(s => s.Silo).Select(g => g.Sum(s => s.ExpectedLoad)).ToArray();
        Assert.Equal(4, perSilo.Length);
        // Optimal here: each silo can hold one replica of each hot expert (150) plus one or two cold ones.
        Assert.True(perSilo.Min() / perSilo.Max() >= 0.8, string.Join(", ", perSilo));
    }

    [Fact]
    public void Replicate_CapReached_StopsAtCap()
    {
        Assert.Equal([2, 2], ExpertBalancer.Replicate([10.0, 1.0], 10, maxReplicas: 2));
    }

    [Fact]
    public void Pack_MoreReplicasThanSilos_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertBalancer.Pack([1.0, 1.0], [3, 1], 2));
    }
}
