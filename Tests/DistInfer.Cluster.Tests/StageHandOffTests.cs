using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Cluster.Tests;

/// <summary>A stage's silo drained between steps: its successor elsewhere takes the KV caches over.</summary>
public sealed class StageHandOffTests
{
    private static readonly int[][] Prompts = [[11, 42, 7, 300, 5], [99, 3, 250], [17, 18, 19, 20]];

    [Fact]
    public Task ForwardAsync_StageSiloDrainedBetweenSteps_SuccessorTakesTheCachesAndTokensGoOnWithoutRePrefill() => DrainBetweenStepsAsync(handOff: true);

    [Fact]
    public Task ForwardAsync_HandOffOffAndStageSiloDrainedBetweenSteps_SequencesRePrefillWithTheSameTokens() => DrainBetweenStepsAsync(handOff: false);

    /// <summary>
    /// Caches a hand-off restored were not among the ones the orphan sweep watches: one whose release never came (the
    /// executor's release failed during the drain) stayed for the activation's lifetime (review finding).
    /// </summary>
    [Fact]
    public async Task ForwardAsync_HandedOffSequenceNeverStepsAgain_DroppedAsAnOrphan()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3, new FabricOptions { RebalanceOnJoin = false, OrphanCacheAge = TimeSpan.Zero });
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("orphaned-hand-off")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });
        var key = new StageKey(info.Name, 0, 0).ToString();
        var before = await cluster.GrainFactory.GetGrain<IStageGrain>(key).Status();
        var victim = cluster.Silos.Single(s => s.Address.ToString() == before.Silo);
        var driver = cluster.Silos.First(s => s != victim);
        var executor = new FabricBatchExecutor(driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 1 });
        var generated = Prompts.Select(_ => new List<int>()).ToArray();
        await StepAsync(executor, new BatchStep([1, 2, 3], [.. Prompts.Select(p => p.Length)], [.. Prompts.SelectMany(p => p)]), generated, info.VocabSize);

        await victim.StopAsync();
        await StepAsync(executor, new BatchStep([1, 2], [1, 1], [generated[0][^1], generated[1][^1]]), generated[..2], info.VocabSize);

        var after = await driver.GrainFactory.GetGrain<IStageGrain>(key).Status();
        Assert.NotEqual(before.Silo, after.Silo);
        Assert.Equal(0, executor.Recoveries);
        Assert.Equal(2, after.LiveSequences);
    }

    private static async Task DrainBetweenStepsAsync(bool handOff)
    {
        const int NewTokens = 6;
        await using var cluster = await FabricTestCluster.StartAsync(3, new FabricOptions { RebalanceOnJoin = false, HandOffStagesOnDrain = handOff });
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("handed-off")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });
        var key = new StageKey(info.Name, 0, 0).ToString();
        var before = await cluster.GrainFactory.GetGrain<IStageGrain>(key).Status();
        var victim = cluster.Silos.Single(s => s.Address.ToString() == before.Silo);
        var driver = cluster.Silos.First(s => s != victim);
        var executor = new FabricBatchExecutor(driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 2 });
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Default))
            .Generate(Prompts, new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens });
        long[] ids = [1, 2, 3];
        var generated = Prompts.Select(_ => new List<int>()).ToArray();

        await StepAsync(executor, new BatchStep(ids, [.. Prompts.Select(p => p.Length)], [.. Prompts.SelectMany(p => p)]), generated, info.VocabSize);
        for (var k = 1; k < NewTokens; k++)
        {
            if (k == 3)
            {
                await victim.StopAsync();
            }

            await StepAsync(executor, new BatchStep(ids, [1, 1, 1], [.. generated.Select(g => g[^1])]), generated, info.VocabSize);
        }

        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, generated[i]);
        }

        var after = await driver.GrainFactory.GetGrain<IStageGrain>(key).Status();
        Assert.NotEqual(before.Silo, after.Silo);
        Assert.Equal(Prompts.Length, after.LiveSequences);
        if (handOff)
        {
            // The steps after the drain found the caches where the stage went: none failed into a re-prefill.
            Assert.Equal(0, executor.Recoveries);
        }
        else
        {
            Assert.True(executor.Recoveries > 0, "the step after the drain found the caches without a hand-off");
        }
    }

    private static async Task StepAsync(FabricBatchExecutor executor, BatchStep step, List<int>[] generated, int vocabulary)
    {
        var logits = await executor.ForwardAsync(step, CancellationToken.None);
        for (var s = 0; s < generated.Length; s++)
        {
            generated[s].Add(Ops.ArgMax(logits.AsSpan(s * vocabulary, vocabulary)));
        }
    }
}
