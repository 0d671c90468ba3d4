using DistInfer.Grains.Placement;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Cluster.Tests.Placement;

public sealed class StagePlacementDirectorTests
{
    [Fact]
    public async Task OnAddActivation_LikeSilos_EachReplicasStagesOnDifferentSilosAndAllSilosUsed()
    {
        var context = new Context(Silo(1, freeGiB: 20), Silo(2, freeGiB: 24), Silo(3, freeGiB: 21));

        var placed = await PlaceAsync(context, "m/0/0", "m/0/1", "m/0/2", "m/1/0", "m/1/1", "m/1/2");

        Assert.Equal(3, placed[..3].Distinct().Count());
        Assert.Equal(3, placed[3..].Distinct().Count());
    }

    [Fact]
    public async Task OnAddActivation_SameKeyFromAnotherSilosView_SameSilo()
    {
        SiloInfo[] silos = [Silo(1, freeGiB: 20), Silo(2, freeGiB: 20), Silo(3, freeGiB: 20)];

        var fromFirst = await PlaceAsync(new Context(silos), "org/model/1/3");
        var fromLast = await PlaceAsync(new Context([silos[2], silos[0], silos[1]]), "org/model/1/3");

        Assert.Equal(fromFirst, fromLast);
    }

    [Fact]
    public async Task OnAddActivation_OneSiloNearlyFull_GetsNoStage()
    {
        var full = Silo(2, freeGiB: 5);
        var context = new Context(Silo(1, freeGiB: 60), full, Silo(3, freeGiB: 55));

        var placed = await PlaceAsync(context, "m/0/0", "m/0/1", "m/0/2", "m/0/3");

        Assert.DoesNotContain(full.Address, placed);
        Assert.Equal(2, placed.Distinct().Count());
    }

    [Fact]
    public async Task OnAddActivation_AcceleratorSiloWithRoom_PreferredToHostOnlySilos()
    {
        var gpu = Silo(2, freeGiB: 10) with { Statistics = new SiloStatistics { MemoryTotalBytes = 100L << 30, MemoryAvailableBytes = 10L << 30, Accelerators = [new AcceleratorInfo("H100", 80L << 30, 60L << 30)] } };
        var context = new Context(Silo(1, freeGiB: 90), gpu, Silo(3, freeGiB: 90));

        var placed = await PlaceAsync(context, "m/0/0", "m/0/1");

        Assert.All(placed, silo => Assert.Equal(gpu.Address, silo));
    }

    [Theory]
    [InlineData("m/0/1", "m", 0, 1)]
    [InlineData("org/model-7b/2/0", "org/model-7b", 2, 0)]
    [InlineData("plain", "plain", 0, 0)]
    public void Parse_StageKey_ModelEvenWithSlashesReplicaAndStage(string key, string model, int replica, int stage) =>
        Assert.Equal((model, replica, stage), StagePlacementDirector.Parse(key));

    private static async Task<SiloAddress[]> PlaceAsync(Context context, params string[] keys)
    {
        var director = new StagePlacementDirector();
        var placed = new SiloAddress[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            placed[i] = await director.OnAddActivation(StagePlacement.Instance, new PlacementTarget(new GrainId("stage", keys[i])), context);
        }

        return placed;
    }

    private static SiloInfo Silo(int n, int freeGiB) => new()
    {
        Address = new SiloAddress("10.0.0." + n, 11111, 1),
        Statistics = new SiloStatistics { CpuUsage = 0.1 * n, MemoryTotalBytes = 100L << 30, MemoryAvailableBytes = (long)freeGiB << 30 },
    };

    private sealed class Context(params SiloInfo[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0].Address;

        public IReadOnlyList<SiloInfo> GetCompatibleSilos(PlacementTarget target) => silos;
    }
}
