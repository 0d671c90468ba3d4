using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// Deploying a name again: the same checkpoint (from any path) redeploys with other stages or replicas; another
/// checkpoint is refused whichever silo it comes through, and the deployed one serves on. Before, the registry took
/// the second checkpoint while stages and experts kept the first one's weights, and every generate failed.
/// </summary>
public sealed class RegistryRedeployTests : IDisposable
{
    private const string Model = "shipdemo";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Deploy_SameNameOtherCheckpointThroughOtherSilo_RefusedNamingBothAndFirstKeepsServing()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var first = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var second = cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b");
        var deployed = await first.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => second.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral") }));

        Assert.Contains($"model {Model} is already deployed from {RepoPaths.Fixture("olmoe")}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{RepoPaths.Fixture("mixtral")} is another checkpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("under another name", error.Message, StringComparison.Ordinal);
        var described = await cluster.Silos[1].GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe();
        Assert.Equal(deployed.ModelPath, described!.ModelPath);
        Assert.Equal(deployed.ReplicaSetVersion, described.ReplicaSetVersion);
        await AssertGeneratesAsync(first, "olmoe");
        await AssertGeneratesAsync(second, "olmoe");
    }

    [Fact]
    public async Task Deploy_SameNameSameCheckpointOtherStagesAndReplicas_Redeploys()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });

        var redeployed = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2, Replicas = 2 });

        Assert.Equal(2, redeployed.Stages);
        Assert.Equal(2, redeployed.Replicas);
        await AssertGeneratesAsync(front, "olmoe");
    }

    /// <summary>Expert replicas the new plan dropped kept their weights until idle collection (review finding).</summary>
    [Fact]
    public async Task Deploy_RedeployedWithFewerExpertReplicas_DroppedReplicasLetGoOfTheirWeights()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var first = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), ExpertReplicas = 2 });

        var redeployed = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2, ExpertReplicas = 1 });

        var kept = redeployed.ExpertReplicaSet.Select(r => r.Key).ToHashSet();
        var dropped = first.ExpertReplicaSet.Where(r => !kept.Contains(r.Key)).ToList();
        Assert.NotEmpty(dropped);
        foreach (var replica in dropped)
        {
            Assert.False((await cluster.GrainFactory.GetGrain<IExpertGrain>(replica.Key).Status()).Loaded, $"{replica.Key} still holds its weights");
        }

        foreach (var replica in redeployed.ExpertReplicaSet)
        {
            Assert.True((await cluster.GrainFactory.GetGrain<IExpertGrain>(replica.Key).Status()).Loaded, $"{replica.Key} lost its weights");
        }

        await AssertGeneratesAsync(front, "olmoe");
    }

    [Fact]
    public async Task Deploy_RedeployedWithMoreStagesThroughOtherSilo_FirstSilosFrontServesTheNewPlan()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var first = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var second = cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b");
        await first.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        await AssertGeneratesAsync(first, "olmoe");

        await second.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2, Replicas = 2 });

        // Two prompts through the first silo's front: one per pipeline replica, once that front knows there are two.
        await AssertGeneratesAsync(first, "olmoe");
        var status = await first.Status();
        Assert.Equal(4, status.Stages.Count(s => s.Model == Model));
        Assert.All(status.Stages.Where(s => s.Model == Model), s => Assert.True(s.Steps > 0, $"replica {s.Replica} stage {s.Stage} ran no step"));
    }

    [Fact]
    public async Task Deploy_SameCheckpointCopiedToPathOnlyOtherSiloReads_RedeploysWithOtherStages()
    {
        // The copy stands for the same checkpoint on another machine: silo0 reads only the original, silo1 only the copy.
        var copy = CopyFixture("olmoe");
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) => services.Configure<WeightsOptions>(o =>
        {
            o.CacheDirectory = _temp.Combine("cache" + index);
            o.IsLocalPath = path => Directory.Exists(path) && path.StartsWith(copy, StringComparison.Ordinal) == (index == 1);
        }));
        var first = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var second = cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b");
        await first.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });

        var redeployed = await second.Deploy(Model, new DeploymentRequest { ModelPath = copy, Stages = 2 });

        Assert.Equal(copy, redeployed.ModelPath);
        Assert.Equal(2, redeployed.Stages);
        await AssertGeneratesAsync(second, "olmoe");
    }

    [Fact]
    public async Task Deploy_SameNameSameShapesOtherWeights_Refused()
    {
        // Config, tokenizer and tensor shapes alike (two fine-tunes of one base): only the weights tell them apart.
        var tuned = CopyFixture("olmoe");
        var weights = Path.Combine(tuned, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        for (var i = bytes.Length - 8; i < bytes.Length; i++)
        {
            bytes[i] ^= 0x5a;
        }

        File.WriteAllBytes(weights, bytes);
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Deploy(Model, new DeploymentRequest { ModelPath = tuned }));

        Assert.Contains($"{tuned} is another checkpoint", error.Message, StringComparison.Ordinal);
        await AssertGeneratesAsync(front, "olmoe");
    }

    [Fact]
    public async Task Deploy_OtherCheckpointAfterRegistrySiloStopped_RefusedFromReplicatedRecord()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var registry = cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2 });
        var holderAddress = await cluster.Silos[0].LookupAsync(registry.GetGrainId());
        var holder = cluster.Silos.Single(s => s.Address == holderAddress);
        var survivor = cluster.Silos.Single(s => s != holder);
        await holder.StopAsync();
        var front = survivor.GrainFactory.GetGrain<IFrontGrain>("s");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") }));

        Assert.Contains($"already deployed from {RepoPaths.Fixture("mixtral")}", error.Message, StringComparison.Ordinal);
        await AssertGeneratesAsync(front, "mixtral");
    }

    [Fact]
    public async Task Deploy_SameNameAfterOtherCheckpointWrittenOverThePath_RefusedAndFirstKeepsServing()
    {
        // Another model re-exported into the deployed directory: both silos had it open and must see the new files.
        var path = CopyFixture("olmoe");
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) => services.Configure<WeightsOptions>(o => o.CacheDirectory = _temp.Combine("cache" + index)));
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var deployed = await front.Deploy(Model, new DeploymentRequest { ModelPath = path, Stages = 2 });
        var rewritten = new DateTime(2031, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        foreach (var file in Directory.GetFiles(RepoPaths.Fixture("mixtral")))
        {
            // Truncated and rewritten like an exporter does (a .NET File.Copy would wait for the silo's lock on the weights).
            var target = Path.Combine(path, Path.GetFileName(file));
            using (var source = File.OpenRead(file))
            using (var stream = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
            {
                source.CopyTo(stream);
            }

            File.SetLastWriteTimeUtc(target, rewritten);
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => front.Deploy(Model, new DeploymentRequest { ModelPath = path }));

        Assert.Contains($"{path} is another checkpoint", error.Message, StringComparison.Ordinal);
        var described = await cluster.Silos[1].GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe();
        Assert.Equal(deployed.ReplicaSetVersion, described!.ReplicaSetVersion);
        await AssertGeneratesAsync(front, "olmoe");
    }

    [Fact]
    public async Task StageLoad_FromTheOlderPlanAfterARedeploy_RefusedAndTheNewPlanServesOn()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var old = await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        var stage = cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 0, 0).ToString());
        var bytes = (await stage.Status()).ParameterBytes;

        // What a pipeline of the old plan sends when it retries after a fault. Before, it loaded the first half of the
        // layers back into the stage that now holds them all, and the new plan's steps skipped the rest.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => stage.Load(ModelRegistryGrain.StageRequest(old, 0, 0)));

        Assert.Contains($"model {Model} was redeployed with another plan", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, (await stage.Status()).ParameterBytes);
        await AssertGeneratesAsync(front, "olmoe");
    }

    private string CopyFixture(string fixture)
    {
        var copy = _temp.Combine(fixture + "-copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(RepoPaths.Fixture(fixture)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    private static Task AssertGeneratesAsync(IFrontGrain front, string fixture) => FrontAssert.GeneratesLikeEngineAsync(front, Model, fixture);
}
