using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>
/// Several gateways' batchers share one pipeline replica, so a stage can be asked to hold more KV caches than it may
/// (a GPU stage's slots; here <see cref="FabricOptions.StageMaxSequences"/>). New sequences then wait in their
/// batcher's queue while the running ones go on; nothing fails.
/// </summary>
public sealed class StageCapacityTests
{
    private const string Model = "capped";

    [Fact]
    public async Task Generate_OneStepBringsMoreNewSequencesThanStageHolds_RoomFilledRestWaitAndAllLikeEngine()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1, new FabricOptions { RebalanceOnJoin = false, StageMaxSequences = 2 });
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("gw");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        int[][] prompts = [[1, 2, 3, 4], [400, 401], [7, 8, 9], [55, 66, 77, 88, 99], [300]];
        var engine = new Generator(TransformerModel.Load(RepoPaths.Fixture("olmoe"), Gemm.Default));
        var expected = engine.Generate(prompts, new SamplingParams { MaxNewTokens = 5, MinNewTokens = 5 });

        // One request of five prompts: all five arrive in one step, for a stage with room for two.
        var response = await front.Generate(new GenerateRequest { Model = Model, Prompts = [.. prompts], MaxNewTokens = 5, MinNewTokens = 5 });

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, response.Generated[i]);
        }

        // Five sequences two at a time: at least three waited once, and the first step still ran two.
        Assert.InRange(cluster.Silos[0].Services.GetRequiredService<FabricFront>().Deferrals, 3, 100);
    }

    /// <summary>
    /// Steps of 5 tokens: the first carries A's whole prompt and part of B's, the second the rest of B with C and D, for
    /// a stage with room for one more. The step runs again with A alone; A's cache must start over, not get its prompt
    /// twice (review finding: the kept new sequence was sent as new, and the stage appended to the cache it held). The
    /// trained demo model, whose tokens follow the context (the tiny random fixtures' barely do).
    /// </summary>
    [Fact]
    public async Task Generate_RefusedInALaterChunkWithRoomForOne_KeptSequenceStartsOverAndAllLikeEngine()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1, new FabricOptions { RebalanceOnJoin = false, StageMaxSequences = 3, MaxStageStepTokens = 5 });
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("gw");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        int[][] prompts = [[300, 301, 302], [400, 401, 402], [500, 501], [600, 601]];
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default)).Generate(prompts, new SamplingParams { MaxNewTokens = 4, MinNewTokens = 4 });

        var response = await front.Generate(new GenerateRequest { Model = Model, Prompts = [.. prompts], MaxNewTokens = 4, MinNewTokens = 4 });

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, response.Generated[i]);
        }

        Assert.True(cluster.Silos[0].Services.GetRequiredService<FabricFront>().Deferrals >= 3);
    }

    [Fact]
    public async Task Generate_TwoGatewaysMoreSequencesThanStageHolds_AllCompleteLikeEngine()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2, new FabricOptions { RebalanceOnJoin = false, StageMaxSequences = 2 });
        var fronts = cluster.Silos.Select((s, i) => s.GrainFactory.GetGrain<IFrontGrain>("gw" + i)).ToArray();
        await fronts[0].Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        int[][] prompts = [[1, 2, 3, 4], [400, 401], [7, 8, 9], [55, 66, 77, 88, 99], [300], [12, 13]];
        var engine = new Generator(TransformerModel.Load(RepoPaths.Fixture("olmoe"), Gemm.Default));
        var expected = prompts.Select(p => engine.Generate([p], new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 })[0].GeneratedIds).ToArray();

        // A request of three prompts through each silo's gateway at once: six sequences for stages that hold two (each
        // request alone brings more than that, so some wait however the two interleave).
        var responses = await Task.WhenAll(
            fronts[0].Generate(new GenerateRequest { Model = Model, Prompts = [.. prompts[..3]], MaxNewTokens = 6, MinNewTokens = 6 }),
            fronts[1].Generate(new GenerateRequest { Model = Model, Prompts = [.. prompts[3..]], MaxNewTokens = 6, MinNewTokens = 6 }));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i], responses[i / 3].Generated[i % 3]);
        }

        Assert.True(cluster.Silos.Sum(s => s.Services.GetRequiredService<FabricFront>().Deferrals) > 0, "no sequence waited for room");
        foreach (var stage in (await fronts[0].Status()).Stages.Where(s => s.Model == Model))
        {
            Assert.Equal(0, stage.LiveSequences);
        }
    }
}
