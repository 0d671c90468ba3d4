using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>
/// A stage drops KV caches that no step used for <see cref="FabricOptions.OrphanCacheAge"/>: ones a stale micro-batch
/// recreated after their sequence's release, which nothing would free again.
/// </summary>
public sealed class StageOrphanCacheTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 2)]
    public async Task Forward_CacheUnusedLongerThanTheAge_DroppedAtTheNextStep(int ageMinutes, int live)
    {
        const string Model = "orphans";
        await using var cluster = await FabricTestCluster.StartAsync(1, new FabricOptions { RebalanceOnJoin = false, OrphanCacheAge = TimeSpan.FromMinutes(ageMinutes) });
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama") });
        var executor = new FabricBatchExecutor(cluster.GrainFactory, info, 0, new FabricOptions { MicroBatches = 1, RecoveryWindow = TimeSpan.Zero });

        // Sequence 1 is never released (as a cache a stale micro-batch recreated); sequence 2 steps later.
        executor.Recycle(await executor.ForwardAsync(new BatchStep([1], [3], [5, 6, 7]), CancellationToken.None));
        executor.Recycle(await executor.ForwardAsync(new BatchStep([2], [2], [8, 9]), CancellationToken.None));

        // With an age of zero, sequence 1 was already unused at sequence 2's step; with ten minutes it stays.
        var status = await cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 0, 0).ToString()).Status();
        Assert.Equal(live, status.LiveSequences);
    }
}
