using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;

namespace DistInfer.Cluster.Tests;

/// <summary>The model registry's record outlives the silo holding the registry grain.</summary>
public sealed class RegistryDrainTests
{
    private static readonly int[][] Prompts = [[175, 196, 25, 502, 67, 211], [5, 6, 7]];

    [Fact]
    public async Task Describe_SiloHoldingRegistryStoppedGracefully_SurvivorStillHasDeploymentAndGenerates()
    {
        const string Model = "drained";
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var registry = cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        var deployed = await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });

        // A rebalance bumps the version: the survivor must recover the newest record, not the first one.
        var rebalanced = await registry.UpdateExpertReplicas([.. deployed.ExpertReplicaSet], deployed.ReplicaSetVersion);
        Assert.Equal(deployed.ReplicaSetVersion + 1, rebalanced.ReplicaSetVersion);

        var holderAddress = await cluster.Silos[0].LookupAsync(registry.GetGrainId());
        var holder = cluster.Silos.Single(s => s.Address == holderAddress);
        var survivor = cluster.Silos.Single(s => s != holder);
        await holder.StopAsync();

        var described = await survivor.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe();
        Assert.NotNull(described);
        Assert.Equal(rebalanced.ReplicaSetVersion, described.ReplicaSetVersion);
        Assert.Equal(rebalanced.ModelPath, described.ModelPath);
        Assert.Equal(survivor.Address, await survivor.LookupAsync(registry.GetGrainId()));

        await AssertGeneratesAsync(survivor.GrainFactory, described);
    }

    [Fact]
    public async Task Describe_BothSilosReplacedOneAtATime_NewSilosStillHaveDeploymentAndGenerate()
    {
        const string Model = "rolled";
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var first = cluster.Silos[0];
        var second = cluster.Silos[1];
        var deployed = await first.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });

        // The third silo joins after the deployment: it has a copy only once a stopping silo hands it over.
        await first.StopAsync();
        var third = await cluster.AddSiloAsync();
        Assert.NotNull(await third.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe());
        await second.StopAsync();
        var fourth = await cluster.AddSiloAsync();

        var described = await fourth.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe();
        Assert.NotNull(described);
        Assert.Equal(deployed.ReplicaSetVersion, described.ReplicaSetVersion);
        Assert.Equal(deployed.Boundaries, described.Boundaries);
        await AssertGeneratesAsync(fourth.GrainFactory, described);
        await AssertGeneratesAsync(third.GrainFactory, described);
    }

    private static async Task AssertGeneratesAsync(IGrainFactory grains, DeploymentInfo info)
    {
        var parameters = new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Default)).Generate(Prompts, parameters);
        await using var batcher = new ContinuousBatcher(new FabricBatchExecutor(grains, info, 0, new FabricOptions()), []);
        for (var i = 0; i < Prompts.Length; i++)
        {
            var tokens = new List<int>();
            await foreach (var e in batcher.GenerateAsync(Prompts[i], parameters))
            {
                tokens.Add(e.TokenId);
            }

            Assert.Equal(expected[i].GeneratedIds, tokens);
        }
    }
}
