using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// A silo drained (graceful stop) while its stages and experts serve requests: the sequences in flight move to
/// activations on the other silos (which take over the drained stages' KV caches; a step caught half-way in the drain
/// re-prefills) and finish with the engine's tokens, and nothing is activated on the draining silo after its drain
/// began (such an activation would vanish with it, failing the steps that used it).
/// </summary>
public sealed class FabricDrainTests
{
    private const string Model = "drained-under-load";

    [Fact]
    public async Task Generate_SiloHoldingStagesDrainedDuringTwentyRequests_AllCompleteWithTheSameTokensAndNothingStaysOnIt()
    {
        const int NewTokens = 12;
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });
        var prompts = Enumerable.Range(0, 20).Select(i => Enumerable.Range(0, 4 + i % 5).Select(t => (i * 41 + t * 13) % 512).ToArray()).ToArray();
        var parameters = new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Default)).Generate(prompts, parameters);

        var loss = await SiloLossUnderLoad.PrepareAsync(cluster, info, Model);
        var (driver, victim) = (loss.Driver, loss.Victim);
        var executor = new FabricBatchExecutor(driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 2 });
        await using var batcher = new ContinuousBatcher(executor, []);
        var running = loss.RunAsync(batcher, prompts, parameters);

        await loss.ThirdDone;
        await victim.StopAsync();
        Assert.Equal(0, victim.ActivationCount);
        var results = await running;

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, results[i]);
        }

        var gone = victim.Address.ToString();
        for (var s = 0; s < info.Stages; s++)
        {
            Assert.NotEqual(gone, (await driver.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 0, s).ToString()).Status()).Silo);
        }

        foreach (var x in (await driver.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe())!.ExpertReplicaSet)
        {
            Assert.NotEqual(gone, (await driver.GrainFactory.GetGrain<IExpertGrain>(x.Key).Status()).Silo);
        }
    }
}
