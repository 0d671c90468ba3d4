using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// A redeployment that fails after some of it loaded puts the previous deployment back. Before, the registry kept the
/// previous plan while its stage 0 held the failed plan's first half of the layers, and every request failed.
/// </summary>
public sealed class RegistryRedeployFailureTests
{
    private const string Model = "redeployfail";

    [Fact]
    public async Task Deploy_RedeployFailsAfterStagesLoaded_PreviousPlanRestoredAndServes()
    {
        var statistics = new AdjustableStatistics();
        await using var cluster = await FabricTestCluster.StartAsync(2, services => services.AddSingleton<ISiloStatisticsProvider>(statistics));
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var first = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        await FrontAssert.GeneratesLikeEngineAsync(front, Model, "olmoe");

        // From now on every silo reports 1 KiB free: the new plan's stages load, then no expert fits anywhere.
        statistics.AvailableBytes = 1024;
        foreach (var silo in cluster.Silos)
        {
            await silo.RefreshStatisticsAsync();
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 }));

        Assert.Contains("fits on no silo", error.Message, StringComparison.Ordinal);
        Assert.Contains("the previous deployment (1 stage(s), 1 replica(s), 1 replica(s) per expert) was restored and serves on", error.Message, StringComparison.Ordinal);
        var registry = cluster.Silos[1].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        var described = await registry.Describe();
        Assert.Equal(1, described!.Stages);
        Assert.True(described.ReplicaSetVersion > first.ReplicaSetVersion + 1, $"restored at version {described.ReplicaSetVersion}");
        Assert.Equal(first.ExpertReplicaSet.Select(r => r.Key).Order(), described.ExpertReplicaSet.Select(r => r.Key).Order());
        var progress = await registry.Progress();
        Assert.Contains("was restored", progress.Error, StringComparison.Ordinal);
        Assert.True(progress.Complete);
        var stageOne = new StageKey(Model, 0, 1).ToString();
        Assert.All(cluster.Silos, silo => Assert.DoesNotContain(stageOne, silo.Services.GetRequiredService<LocalStages>().Keys));
        await FrontAssert.GeneratesLikeEngineAsync(front, Model, "olmoe");
        await FrontAssert.GeneratesLikeEngineAsync(cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b"), Model, "olmoe");
    }

    private sealed class AdjustableStatistics : ISiloStatisticsProvider
    {
        public long AvailableBytes { get; set; } = 48L << 30;

        public SiloStatistics GetStatistics(int activationCount) =>
            new() { ActivationCount = activationCount, MemoryTotalBytes = 64L << 30, MemoryAvailableBytes = AvailableBytes };
    }
}
