using DistInfer.Cluster.Tests.Balancing;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>An undeployment meeting other work on the same model: a rebalance in flight, a deployment through another front, an earlier plan.</summary>
public sealed class UndeployRaceTests
{
    private const string Model = "raced";

    [Fact]
    public async Task Undeploy_WhileRebalanceLoadsNewReplicas_CompletesAndTheReplicasLoadedForItRetire()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var hold = new FirstLoadHold();
        await using var cluster = await FabricTestCluster.StartAsync(3, (_, services) => services.Configure<WeightsOptions>(o => o.IsLocalPath = hold.IsLocal));
        var grains = cluster.GrainFactory;
        var info = await grains.GetGrain<IFrontGrain>("test").Deploy(Model, new DeploymentRequest { ModelPath = checkpoint.Path, Stages = 2 });
        await SkewAsync(grains, checkpoint);

        var registry = grains.GetGrain<IModelRegistryGrain>(Model);
        hold.Arm();
        var rebalance = grains.GetGrain<IExpertBalancerGrain>(Model).Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });
        await hold.Entered;
        var undeploy = registry.Undeploy(0);
        while (await registry.Describe() is not null)
        {
            // Null once the registry is retiring the model (it asked the balancer to stop first).
        }

        hold.Release();

        // Before, the registry waited for the balancer (busy rebalancing) and the rebalance for the registry (busy
        // undeploying) until the call timed out, failing the undeployment.
        var result = await undeploy;
        Assert.Empty(result.Unreached);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => rebalance);
        Assert.Contains("not deployed", error.Message, StringComparison.Ordinal);

        // The replicas loaded for the set that was never committed do not keep their weights.
        var pins = cluster.Silos.Select(s => ExpertKey.PinOf(s.Address.ToString())).ToList();
        foreach (var layer in info.MoeLayers)
        {
            for (var expert = 0; expert < info.NumExperts; expert++)
            {
                foreach (var pin in pins)
                {
                    for (var replica = 1; replica < pins.Count; replica++)
                    {
                        var key = new ExpertKey(Model, layer, expert, replica, pin).ToString();
                        Assert.False((await grains.GetGrain<IExpertGrain>(key).Status()).Loaded, $"expert {key} kept its weights");
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Undeploy_WhileAnotherFrontsDeployWaitsForTheBalancer_ThatFrontFindsTheModelGone()
    {
        // The deploying front starts the periodic rebalance before it serves the model; a rebalance holds the balancer.
        using var checkpoint = SkewedCheckpoint.Write();
        var hold = new FirstLoadHold();
        await using var cluster = new FabricTestCluster
        {
            Fabric = new FabricOptions { RebalanceOnJoin = false, RebalancePeriod = TimeSpan.FromHours(1), RecoveryWindow = TimeSpan.FromSeconds(2) },
            ConfigureSilo = (_, services) => services.Configure<WeightsOptions>(o => o.IsLocalPath = hold.IsLocal),
        };
        for (var i = 0; i < 3; i++)
        {
            await cluster.AddSiloAsync();
        }

        var deploying = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        var request = new DeploymentRequest { ModelPath = checkpoint.Path, Stages = 2 };
        var first = await deploying.Deploy(Model, request);
        await SkewAsync(cluster.GrainFactory, checkpoint);
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        hold.Arm();
        var rebalance = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model).Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });
        await hold.Entered;
        var deploy = deploying.Deploy(Model, request);
        while ((await registry.Describe())!.ReplicaSetVersion == first.ReplicaSetVersion)
        {
            // The registry runs the redeployment; the undeployment queues behind it.
        }

        await cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("b").Undeploy(Model, 0);
        hold.Release();
        await Assert.ThrowsAnyAsync<Exception>(() => rebalance);
        await deploy;

        // Before, the deploying front began serving the model after the undeployment had retired it there: its
        // requests reloaded the unloaded stages and failed on the retired experts.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => deploying.Generate(new GenerateRequest { Model = Model, Prompts = [[1, 2, 3]], MaxNewTokens = 2 }));
        Assert.Contains($"model '{Model}' is not deployed", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Silos.SelectMany(s => s.Services.GetRequiredService<LocalStages>().Keys));
    }

    [Fact]
    public async Task Deploy_RedeployWithFewerStagesAndReplicas_LeftoverStagesUnloadAndUndeployLeavesNone()
    {
        // Before, stages 1 and replica 1 of the first plan kept their weights through the redeployment and the undeployment.
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2, Replicas = 2 });
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        Assert.Equal([new StageKey(Model, 0, 0).ToString()], cluster.Silos.SelectMany(s => s.Services.GetRequiredService<LocalStages>().Keys));

        var result = await front.Undeploy(Model, 0);

        Assert.Empty(result.Unreached);
        foreach (var silo in cluster.Silos)
        {
            Assert.Empty(silo.Services.GetRequiredService<LocalStages>().Keys);
        }
    }

    /// <summary>Skewed routing through the stages, so a rebalance adds replicas of the hot experts.</summary>
    private static async Task SkewAsync(IGrainFactory grains, SkewedCheckpoint checkpoint)
    {
        var sequence = 1L;
        foreach (var (tokens, counts) in BalancingSteps.Batches(checkpoint))
        {
            long[] ids = [.. Enumerable.Range(0, counts.Length).Select(i => sequence + i)];
            sequence += counts.Length;
            await grains.GetGrain<IStageGrain>(new StageKey(Model, 0, 0).ToString()).Forward(new StageStep { SequenceIds = ids, Counts = counts, Tokens = tokens });
        }
    }

    /// <summary>Holds the first weight load after <see cref="Arm"/> (the silos ask whether they read the path) until released.</summary>
    private sealed class FirstLoadHold
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Entered => _entered.Task;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _release.TrySetResult();

        public bool IsLocal(string path)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _entered.TrySetResult();
                _release.Task.GetAwaiter().GetResult();
            }

            return Directory.Exists(path);
        }
    }
}
