using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// A stage Load that fails half-way (weights loaded, then the model registry unreachable: its silo is leaving) must
/// not leave the activation unusable: the next Load completes it and steps run. Before, the stage kept weights
/// without a request and every later Load failed, so the pipeline was broken until the activation went away.
/// </summary>
public sealed class StageLoadRecoveryTests
{
    private const string Model = "reload";

    [Fact]
    public async Task Load_RegistryUnreachableAfterWeightsLoaded_NextLoadCompletesAndStageComputes()
    {
        // Silo 0 may host the registry but no stage, silo 1 stages but no registry, silo 2 (added later) the registry.
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) => services.Configure<SiloOptions>(o =>
            o.GrainClassFilter = index == 1 ? t => t != typeof(ModelRegistryGrain) : t => t != typeof(StageGrain)));
        var registryHost = cluster.Silos[0];
        var stageHost = cluster.Silos[1];
        var info = await stageHost.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama"), Stages = 1 });
        var request = ModelRegistryGrain.StageRequest(info, 0, 0);
        var step = new StageStep { SequenceIds = [1], Counts = [4], Tokens = [5, 17, 29, 3], ExpectedLengths = [-1] };
        var expected = await stageHost.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 0, 0).ToString()).Forward(step);

        // A fresh activation of the same stage (another replica's key) on the stage silo, not loaded yet.
        var fresh = stageHost.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 1, 0).ToString());
        var status = await fresh.Status();
        Assert.Equal(stageHost.Address.ToString(), status.Silo);
        Assert.False(status.Loaded);

        // The registry's silo goes away before the cluster notices: the Load reads the weights, then cannot ask it.
        await registryHost.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => fresh.Load(request));

        cluster.Membership.Kill(registryHost.Address);
        await cluster.AddSiloAsync();
        var loaded = await fresh.Load(request);

        Assert.True(loaded.Loaded);
        Assert.Equal(expected, await fresh.Forward(step));
    }
}
