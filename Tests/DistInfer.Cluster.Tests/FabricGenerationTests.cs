using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Cluster.Tests;

public sealed class FabricGenerationTests
{
    private static readonly int[][] Prompts = [[175, 196, 25, 502, 67, 211, 407, 103], [218, 392, 167, 486, 68, 432], [5, 6, 7]];

    public static TheoryData<string> Fixtures() => new() { "llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Generate_ThreeSilosTwoStages_EqualsInProcessEngine(string fixture)
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(fixture)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture(fixture), Stages = 2 });
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture(fixture), Gemm.Default))
            .Generate(Prompts, new SamplingParams { MaxNewTokens = 10, MinNewTokens = 10 });

        await using var batcher = new ContinuousBatcher(new FabricBatchExecutor(cluster.GrainFactory, info, 0, new FabricOptions { MicroBatches = 2 }), []);
        var results = await Task.WhenAll(Prompts.Select(p => Collect(batcher.GenerateAsync(p, new SamplingParams { MaxNewTokens = 10, MinNewTokens = 10 }))));

        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, results[i]);
        }
    }

    [Fact]
    public async Task Deploy_MoeModelOnThreeSilos_SpreadsEachLayersExpertsOverSilos()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("spread")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("qwen3_moe"), Stages = 2, ExpertReplicas = 2 });

        foreach (var layer in info.MoeLayers)
        {
            var silos = new HashSet<string>();
            for (var e = 0; e < info.NumExperts; e++)
            {
                var replicaSilos = new HashSet<string>();
                foreach (var replica in info.ExpertReplicaSet.Where(x => x.Layer == layer && x.Expert == e))
                {
                    var status = await cluster.GrainFactory.GetGrain<IExpertGrain>(replica.Key).Status();
                    Assert.True(status.Loaded);
                    silos.Add(status.Silo);
                    Assert.True(replicaSilos.Add(status.Silo), $"two replicas of layer {layer} expert {e} on {status.Silo}");
                }

                Assert.Equal(info.ExpertReplicas, replicaSilos.Count);
            }

            Assert.True(silos.Count >= 2, $"layer {layer}: experts on {silos.Count} silo(s)");
        }
    }

    [Fact]
    public async Task Generate_ThreeSilosNotGroupedBySilo_ExpertsOnTheStagesSiloRunInItsTurnOthersAreCalled()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3, new FabricOptions { RebalanceOnJoin = false, GroupExpertCallsBySilo = false });
        var (info, stage) = await GenerateOnOneStageAsync(cluster, "local-experts", "mixtral");
        long local = 0, called = 0;
        foreach (var replica in info.ExpertReplicaSet)
        {
            var expert = await cluster.GrainFactory.GetGrain<IExpertGrain>(replica.Key).Status();
            var dispatched = stage.Dispatch.Single(r => r.Key == replica.Key);
            Assert.Equal(expert.Tokens, dispatched.Dispatched);
            if (expert.Silo == stage.Silo)
            {
                Assert.Equal((expert.Tokens, 0L), (expert.ServedLocally, dispatched.Calls));
                local += expert.Tokens;
            }
            else
            {
                Assert.Equal(0, expert.ServedLocally);
                Assert.Equal(expert.Calls, dispatched.Calls);
                called += expert.Tokens;
            }
        }

        Assert.True(local > 0 && called > 0, $"tokens run on the stage's silo {local}, on other silos {called}");
    }

    [Fact]
    public async Task Generate_ThreeSilosGroupedBySilo_OtherSilosExpertsShareCallsAndTokensEqualTheEngine()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var (info, stage) = await GenerateOnOneStageAsync(cluster, "grouped", "olmoe");
        long hosted = 0;
        foreach (var replica in info.ExpertReplicaSet)
        {
            var expert = await cluster.GrainFactory.GetGrain<IExpertGrain>(replica.Key).Status();
            Assert.Equal(expert.Tokens, stage.Dispatch.Single(r => r.Key == replica.Key).Dispatched);
            if (expert.Silo != stage.Silo)
            {
                // No stage runs on that silo: what it served without a call to the grain came through its expert host.
                hosted += expert.ServedLocally;
            }
        }

        // Eight experts a layer over three silos (three, three, two), top-2, three prompts of prefill and decode
        // steps of three tokens: some layer sent tokens to two experts of one other silo.
        Assert.True(hosted > 0, "no expert of another silo ran through its silo's expert host");
    }

    /// <summary>Deploys <paramref name="fixture"/> as one stage, generates from the prompts (asserting the engine's tokens), and answers the stage's status.</summary>
    private static async Task<(DeploymentInfo Info, StageStatus Stage)> GenerateOnOneStageAsync(FabricTestCluster cluster, string name, string fixture)
    {
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(name)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture(fixture), Stages = 1 });
        var parameters = new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture(fixture), Gemm.Default)).Generate(Prompts, parameters);

        await using var batcher = new ContinuousBatcher(new FabricBatchExecutor(cluster.GrainFactory, info, 0, new FabricOptions()), []);
        var results = await Task.WhenAll(Prompts.Select(p => Collect(batcher.GenerateAsync(p, parameters))));

        Assert.Equal(expected.Select(r => r.GeneratedIds), results);
        return (info, await cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, 0, 0).ToString()).Status());
    }

    internal static async Task<int[]> Collect(IAsyncEnumerable<TokenEvent> events)
    {
        var tokens = new List<int>();
        await foreach (var e in events)
        {
            if (e.TokenId >= 0)
            {
                tokens.Add(e.TokenId);
            }
        }

        return [.. tokens];
    }
}
