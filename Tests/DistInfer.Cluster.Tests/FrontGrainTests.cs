using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

public sealed class FrontGrainTests
{
    [Fact]
    public async Task Generate_ClientThroughGateway_EqualsInProcessEngineAndStatusShowsPlacement()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        await using var client = await cluster.ConnectClientAsync();
        var front = client.GetGrain<IFrontGrain>("cli");
        var info = await front.Deploy("olmoe-2", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        int[][] prompts = [[1, 2, 3, 4], [400, 401]];
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("olmoe"), Gemm.Default)).Generate(prompts, new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 });

        var response = await front.Generate(new GenerateRequest { Model = "olmoe-2", Prompts = [.. prompts], MaxNewTokens = 6, MinNewTokens = 6 });
        var status = await front.Status();

        Assert.Equal(expected[0].GeneratedIds, response.Generated[0]);
        Assert.Equal(expected[1].GeneratedIds, response.Generated[1]);
        Assert.Equal(["length", "length"], response.FinishReasons);
        Assert.Equal(2, status.Silos.Count(s => s.Status == "Active"));
        Assert.Equal(info.MoeLayers.Count * info.NumExperts, status.Experts.Count(e => e.Model == "olmoe-2"));
        Assert.True(status.Experts.Sum(e => e.Tokens) >= 2 * 6 * info.MoeLayers.Count, "expert load is counted");
        Assert.Equal(2, status.Stages.Count);
    }

    [Fact]
    public async Task Generate_MinPAndRepetitionPenalty_ReachTheSamplerAsInTheEngine()
    {
        // The gateway (SDK, CLI) carried top-k and top-p but not min_p or repetition_penalty.
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy("demo-pen", new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        int[] prompt = [84, 104, 101, 32, 108, 105, 99, 101, 110, 115, 101];
        var penalised = new SamplingParams { MaxNewTokens = 24, MinNewTokens = 24, RepetitionPenalty = 1.8f, MinP = 0.05f };
        var engine = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default));
        var expected = engine.Generate([prompt], penalised)[0].GeneratedIds;
        var plain = engine.Generate([prompt], penalised with { RepetitionPenalty = 1.0f, MinP = 0 })[0].GeneratedIds;

        var response = await front.Generate(new GenerateRequest
        {
            Model = "demo-pen", Prompts = [prompt], MaxNewTokens = 24, MinNewTokens = 24, RepetitionPenalty = 1.8f, MinP = 0.05f,
        });

        Assert.NotEqual(plain, expected);
        Assert.Equal(expected, response.Generated[0]);
    }

    [Fact]
    public async Task Status_AfterASiloDied_WeightsNameOnlyWhereActivationsAreNow()
    {
        // The weights section kept naming activations on the dead silo as loaded (found by exploratory testing).
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy("olmoe-dead", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        var before = await front.Status();
        Assert.All(Assert.Single(before.Deployments, d => d.Model == "olmoe-dead").Activations, a => Assert.Equal(WeightLoadPhase.Loaded, a.Phase));
        var victim = cluster.Silos.Skip(1).First(s => before.Experts.Any(e => e.Silo == s.Address.ToString()));

        await cluster.KillAsync(victim);
        var after = await front.Status();

        var activations = Assert.Single(after.Deployments, d => d.Model == "olmoe-dead").Activations;
        var placed = after.Stages.Where(s => s.Model == "olmoe-dead").Select(s => s.Silo)
            .Concat(after.Experts.Where(e => e.Model == "olmoe-dead").Select(e => e.Silo)).Order(StringComparer.Ordinal);
        Assert.Equal(placed, activations.Select(a => a.Silo).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(activations, a => a.Silo == victim.Address.ToString());
    }

    [Fact]
    public async Task Status_SiloGoneButNotYetDeclaredDead_AnswersWithItsRowsWithoutASilo()
    {
        // `distinfer status` failed whole ("Cannot connect to ...") between a silo's death and the vote on it.
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy("olmoe-gone", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        var before = await front.Status();
        var victim = cluster.Silos.Skip(1).First(s => before.Experts.Any(e => e.Silo == s.Address.ToString()));
        var held = before.Experts.Count(e => e.Silo == victim.Address.ToString()) + before.Stages.Count(s => s.Silo == victim.Address.ToString());

        await victim.KillAsync();
        var after = await front.Status();

        Assert.Equal(before.Experts.Count, after.Experts.Count);
        Assert.Equal(before.Stages.Count, after.Stages.Count);
        var unreached = after.Experts.Count(e => e.Silo.Length == 0) + after.Stages.Count(s => s.Silo.Length == 0);
        Assert.Equal(held, unreached);
        Assert.DoesNotContain(after.Experts, e => e.Silo == victim.Address.ToString());
    }

    [Fact]
    public async Task Status_AskedOnSiloThatDidNotDeploy_ListsTheModelsStagesExpertsAndProgress()
    {
        // `distinfer status` through another silo's gateway printed no stages, experts or weights for the model.
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var info = await cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a").Deploy("olmoe-st", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });

        var status = await cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b").Status();

        Assert.Equal(2, status.Stages.Count(s => s.Model == "olmoe-st"));
        Assert.Equal(info.MoeLayers.Count * info.NumExperts, status.Experts.Count(e => e.Model == "olmoe-st"));
        Assert.True(Assert.Single(status.Deployments, d => d.Model == "olmoe-st").Complete);
        Assert.Equal(2, status.Silos.Sum(s => s.StageActivations));
    }

    [Fact]
    public async Task Deploy_TwoStagesTwoReplicasOnThreeLikeSilos_EachReplicasStagesOnDifferentSilos()
    {
        // Placed by resource pressure alone, all four stages went to one silo of three on one host (pipeline on one silo).
        await using var cluster = await FabricTestCluster.StartAsync(3);
        await cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a").Deploy("olmoe-spread", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2, Replicas = 2 });

        var stages = (await cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a").Status()).Stages.Where(s => s.Model == "olmoe-spread").ToList();

        Assert.Equal(4, stages.Count);
        Assert.All(stages.GroupBy(s => s.Replica), replica => Assert.Equal(2, replica.Select(s => s.Silo).Distinct().Count()));
        Assert.Equal(3, stages.Select(s => s.Silo).Distinct().Count());
    }

    [Fact]
    public async Task Generate_UnknownModel_FailsNamingIt()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        await using var client = await cluster.ConnectClientAsync();

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => client.GetGrain<IFrontGrain>("x").Generate(new GenerateRequest { Model = "nope", Prompts = [[1]] }));

        // The type crosses the grain call, and the message is not wrapped once more by a constructor taking the name.
        Assert.Equal("model 'nope' is not deployed", error.Message);
    }

    [Fact]
    public async Task Generate_ManyUnknownModelNames_NoRegistryActivationStaysBehind()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        await using var client = await cluster.ConnectClientAsync();
        var silo = cluster.Silos[0];
        var front = client.GetGrain<IFrontGrain>("unknown");
        await front.Deploy("known", new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama") });
        await Assert.ThrowsAsync<ModelNotFoundException>(() => front.Generate(new GenerateRequest { Model = "warm-up", Prompts = [[1]] }));
        var before = silo.ActivationCount;

        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<ModelNotFoundException>(() => front.Generate(new GenerateRequest { Model = $"typo-{i}", Prompts = [[1]] }));
            Assert.Null((await client.GetGrain<IModelRegistryGrain>($"never-{i}").Progress()).Error);
        }

        // Before, each name kept a registry activation for the 15-minute idle age (35k of them in the soak test).
        // Deactivation follows each call asynchronously, so wait for the count rather than read it once.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (silo.ActivationCount > before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.InRange(silo.ActivationCount, 0, before);
        var known = await front.Generate(new GenerateRequest { Model = "known", Prompts = [[1, 2]], MaxNewTokens = 2, MinNewTokens = 2 });
        Assert.Equal(2, known.Generated[0].Length);
    }

    [Fact]
    public async Task Generate_OnePromptOfTwoInvalid_RefusedWithoutRunningTheOther()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        await using var client = await cluster.ConnectClientAsync();
        var front = client.GetGrain<IFrontGrain>("pair");
        await front.Deploy("pair", new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama") });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Generate(new GenerateRequest { Model = "pair", Prompts = [[1, 2, 3], [999_999]], MaxNewTokens = 64 }));

        // Before, each prompt was admitted alone: the valid one decoded its 64 tokens for nobody.
        Assert.Contains("token id 999999 is outside the vocabulary", error.Message, StringComparison.Ordinal);
        var batchers = cluster.Silos[0].Services.GetRequiredService<FabricFront>().BatchersOf("pair");
        await Task.WhenAll(batchers.Select(b => b.WhenIdleAsync()));
        Assert.Equal(0, batchers.Sum(b => b.Steps));
    }

    /// <summary>Requests one at a time found both replicas idle, and the tie always went to replica 0.</summary>
    [Fact]
    public async Task Generate_RequestsOneAtATimeOnTwoReplicas_BothReplicasServe()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("rr");
        await front.Deploy("rr", new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama"), Replicas = 2 });

        for (var i = 0; i < 4; i++)
        {
            await front.Generate(new GenerateRequest { Model = "rr", Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });
        }

        var batchers = cluster.Silos[0].Services.GetRequiredService<FabricFront>().BatchersOf("rr");
        Assert.Equal(2, batchers.Count);
        Assert.All(batchers, b => Assert.Equal(4, b.Steps));
    }

    [Fact]
    public async Task Generate_PromptPlusNewTokensBeyondContext_FailsNamingTheContextAndTheFrontServesOn()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        await using var client = await cluster.ConnectClientAsync();
        var front = client.GetGrain<IFrontGrain>("ctx");
        var info = await front.Deploy("olmoe-ctx", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Generate(new GenerateRequest { Model = "olmoe-ctx", Prompts = [[1, 2, 3]], MaxNewTokens = info.MaxPositionEmbeddings }));
        var fine = await front.Generate(new GenerateRequest { Model = "olmoe-ctx", Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });

        Assert.Contains($"exceeds the model's context of {info.MaxPositionEmbeddings} tokens", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(fine.Generated).Length);
    }
}
