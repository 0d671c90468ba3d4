using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>A silo's front learns of a redeployment with another plan when its record arrives, not at its next request.</summary>
public sealed class FrontPlanChangeTests
{
    private const string Model = "replanned";

    [Fact]
    public async Task OnRecordSaved_OtherPlanWhileRequestRuns_RequestEndsSayingSoAndNewRequestsUseTheNewPlan()
    {
        // The request's first step is held in the stage until the record has arrived, so it cannot finish first.
        var held = new BlockingStageListener(new StageKey(Model, 0, 0).ToString());
        await using var cluster = await FabricTestCluster.StartAsync(1, services => services.AddSingleton<IStageActivityListener>(held));
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        try
        {
            var deployed = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
            var id = await front.Start(new GenerateRequest { Model = Model, Prompts = [[1, 2, 3]], MaxNewTokens = 8 });
            await held.Entered;

            // What the registry copies to every silo after deploying the same name with two stages.
            var replanned = deployed with { Stages = 2, Boundaries = [0, 1, deployed.NumLayers], ReplicaSetVersion = deployed.ReplicaSetVersion + 1 };
            await cluster.Silos[0].GrainFactory.GetGrain<IDeploymentRecordGrain>(cluster.Silos[0].Address.ToString()).Save(replanned);
            held.Release();

            var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while ((await front.Next(id, 30_000)).FinishReason is null)
                {
                }
            });
            Assert.Contains($"model {Model} was redeployed with another plan", error.Message, StringComparison.Ordinal);
            var front0 = cluster.Silos[0].Services.GetRequiredService<Grains.Fabric.FabricFront>();
            Assert.DoesNotContain(front0.Deployed, d => d.Name == Model);
            Assert.Equal(2, (await front0.DescribeAsync(Model)).Stages);
        }
        finally
        {
            held.Release();
        }
    }
}
