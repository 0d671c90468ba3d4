using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// Undeploying a model: every silo's front stops serving it (running requests get the drain time), its stages and
/// experts let go of their weights, and the name is free again, for another checkpoint too.
/// </summary>
public sealed class UndeployTests
{
    private const string Model = "undeployed";
    private static readonly int[][] Prompts = [[1, 2, 3, 4], [400, 401]];

    [Fact]
    public async Task Undeploy_DeployedModelServedByTwoFronts_GoneEverywhereAndNameTakesAnotherCheckpoint()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var first = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var second = cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b");
        var deployed = await first.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        await AssertGeneratesAsync(first, "olmoe");
        await AssertGeneratesAsync(second, "olmoe");

        var result = await second.Undeploy(Model, 30_000);

        Assert.Equal(Model, result.Name);
        Assert.Equal(2, result.Stages);
        Assert.Equal(deployed.ExpertReplicaSet.Count, result.Experts);
        Assert.Equal(0, result.Cancelled);
        Assert.Empty(result.Unreached);
        Assert.Null(await cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe());
        foreach (var silo in cluster.Silos)
        {
            Assert.Empty(silo.Services.GetRequiredService<LocalStages>().Keys);
            var status = await silo.GrainFactory.GetGrain<IFrontGrain>("s").Status();
            Assert.DoesNotContain(status.Stages, s => s.Model == Model);
            Assert.DoesNotContain(status.Experts, x => x.Model == Model);
        }

        foreach (var front in new[] { first, second })
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Generate(new GenerateRequest { Model = Model, Prompts = [Prompts[0]], MaxNewTokens = 2 }));
            Assert.Contains($"model '{Model}' is not deployed", error.Message, StringComparison.Ordinal);
        }

        // Another checkpoint under the freed name (refused while the first was deployed) loads and serves its own tokens.
        var again = await second.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });
        Assert.True(again.ReplicaSetVersion > deployed.ReplicaSetVersion);
        await AssertGeneratesAsync(first, "mixtral");
        await AssertGeneratesAsync(second, "mixtral");
    }

    [Fact]
    public async Task Undeploy_RequestRunning_FinishesWithinTheDrainBeforeStagesUnload()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        var expected = Expected("olmoe", 250);
        var id = await front.Start(new GenerateRequest { Model = Model, Prompts = [Prompts[0]], MaxNewTokens = 250, MinNewTokens = 250 });
        var chunk = await front.Next(id, 30_000);
        var tokens = new List<int>(chunk.Tokens);

        var undeploy = front.Undeploy(Model, 120_000);
        while (chunk.FinishReason is null)
        {
            chunk = await front.Next(id, 30_000);
            tokens.AddRange(chunk.Tokens);
        }

        Assert.Equal("length", chunk.FinishReason);
        Assert.Equal(expected, tokens);
        Assert.Equal(0, (await undeploy).Cancelled);
    }

    [Fact]
    public async Task Undeploy_NoDrainWhileRequestRuns_RequestEndsNamingTheModel()
    {
        // The request's prefill is held in the first stage until the undeployment has begun, so the request has all
        // its 250 steps (as many as the fixture's 256 positions allow) still to run when the front is told.
        var held = new BlockingStageListener(new StageKey(Model, 0, 0).ToString());
        await using var cluster = await FabricTestCluster.StartAsync(1, services => services.AddSingleton<IStageActivityListener>(held));
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var registry = cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        try
        {
            await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
            var id = await front.Start(new GenerateRequest { Model = Model, Prompts = [Prompts[0]], MaxNewTokens = 250, MinNewTokens = 250 });
            await held.Entered;

            var undeploy = front.Undeploy(Model, 0);
            while (await registry.Describe() is not null)
            {
                // The registry answers null from the moment it starts retiring the model.
            }

            held.Release();
            var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while ((await front.Next(id, 30_000)).FinishReason is null)
                {
                }
            });
            var result = await undeploy;
            Assert.Empty(result.Unreached);
            Assert.Equal(1, result.Cancelled);
            Assert.Contains($"model {Model} was undeployed before this request finished", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            held.Release();
        }
    }

    [Fact]
    public async Task Undeploy_NotDeployed_FailsNamingTheModel()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Undeploy("never-deployed", 0));

        Assert.Contains("model 'never-deployed' is not deployed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undeploy_ThenRegistrySiloStops_RegistryElsewhereFindsTheModelGone()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var registry = cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral") });
        await registry.Undeploy(1_000);
        var holderAddress = await cluster.Silos[0].LookupAsync(registry.GetGrainId());
        var holder = cluster.Silos.Single(s => s.Address == holderAddress);
        var survivor = cluster.Silos.Single(s => s != holder);

        await holder.StopAsync();

        // Every silo kept the undeployment's record, which outranks the older copies of the deployment.
        Assert.Null(await survivor.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe());
        var front = survivor.GrainFactory.GetGrain<IFrontGrain>("s");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        await AssertGeneratesAsync(front, "olmoe");
    }

    [Fact]
    public async Task Deploy_FirstDeploymentFailsAfterStagesLoaded_StagesLetGoAndErrorStaysReadable()
    {
        // Every silo reports 1 KiB free: stages load (placement takes the least full), then no expert fits anywhere.
        await using var cluster = await FabricTestCluster.StartAsync(2, services =>
            services.AddSingleton<ISiloStatisticsProvider>(new FixedStatistics(new SiloStatistics { MemoryTotalBytes = 64L << 30, MemoryAvailableBytes = 1024 })));
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 }));

        Assert.Contains("fits on no silo", error.Message, StringComparison.Ordinal);
        foreach (var silo in cluster.Silos)
        {
            Assert.Empty(silo.Services.GetRequiredService<LocalStages>().Keys);
        }

        var registry = cluster.Silos[1].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        Assert.Null(await registry.Describe());
        var progress = await registry.Progress();
        Assert.Contains("fits on no silo", progress.Error, StringComparison.Ordinal);
        Assert.Equal(2, progress.Activations.Count(a => a.Kind == "stage"));
    }

    private sealed class FixedStatistics(SiloStatistics statistics) : ISiloStatisticsProvider
    {
        public SiloStatistics GetStatistics(int activationCount) => statistics with { ActivationCount = activationCount };
    }

    private static int[] Expected(string fixture, int tokens) =>
        new Generator(TransformerModel.Load(RepoPaths.Fixture(fixture), Gemm.Default)).Generate([Prompts[0]], new SamplingParams { MaxNewTokens = tokens, MinNewTokens = tokens })[0].GeneratedIds;

    private static Task AssertGeneratesAsync(IFrontGrain front, string fixture) => FrontAssert.GeneratesLikeEngineAsync(front, Model, fixture);
}
