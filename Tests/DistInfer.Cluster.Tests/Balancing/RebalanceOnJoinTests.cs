using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>A silo that joins after a deployment gets expert replicas without anyone calling rebalance.</summary>
public sealed class RebalanceOnJoinTests
{
    private static readonly FabricOptions Fabric = new() { JoinSettleDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task SiloJoins_AfterDeployment_BalancerPlacesExpertsOfEveryLayerOnIt()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2, Fabric);
        var deployed = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("joined")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
        var outcome = NextOutcome(cluster.Silos);

        var joined = await cluster.AddSiloAsync();
        var result = await outcome.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal([joined.Address.ToString()], result.JoinedSilos);
        Assert.Empty(result.Errors);
        var rebalance = result.Results["joined"]!;
        Assert.True(rebalance.Changed);
        Assert.True(rebalance.Added > 0);
        var described = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("joined").Describe();
        Assert.Equal(rebalance.ReplicaSetVersion, described!.ReplicaSetVersion);
        Assert.True(described.ReplicaSetVersion > deployed.ReplicaSetVersion);

        // The replicas run where their keys pin them: on the new silo for some experts of every MoE layer; one
        // replica per expert still (the slot count is kept).
        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("joined").Report();
        foreach (var layer in deployed.MoeLayers)
        {
            Assert.Contains(report.Rows, r => r.Layer == layer && r.Silo == joined.Address.ToString());
        }

        Assert.Equal(deployed.ExpertReplicaSet.Count, report.Rows.Count);
        Assert.All(described.ExpertReplicaSet, r => Assert.Equal(r.Pin, ExpertKey.PinOf(report.Rows.Single(row => row.Key == r.Key).Silo)));

        // The deployment's progress counts the activations it has now, not also the replicas the rebalance removed.
        var progress = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("joined").Progress();
        Assert.Equal(
            described.ExpertReplicaSet.Select(r => r.Key).Order(StringComparer.Ordinal),
            progress.Activations.Where(a => a.Kind == WeightLoading.Expert).Select(a => a.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, progress.Activations.Count(a => a.Kind == WeightLoading.Stage));
    }

    [Fact]
    public async Task SiloJoins_DeployedWithTwoExpertReplicas_EveryExpertKeepsTwoAndTheNewSiloGetsSome()
    {
        // The silos' rebalance budget (one slot per expert) is below the deployment's: raised, not an error.
        var options = new FabricOptions { JoinSettleDelay = Fabric.JoinSettleDelay, Rebalance = new RebalanceRequest { SlotsPerLayer = 8 } };
        await using var cluster = await FabricTestCluster.StartAsync(2, options);
        var deployed = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("twice")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1, ExpertReplicas = 2 });
        var outcome = NextOutcome(cluster.Silos);

        var joined = await cluster.AddSiloAsync();
        var result = await outcome.WaitAsync(TimeSpan.FromMinutes(2));

        // Before, the idle spread planned one replica per expert: the join took away half of the deployed redundancy.
        Assert.Empty(result.Errors);
        Assert.True(result.Results["twice"]!.Changed);
        var described = (await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("twice").Describe())!;
        Assert.Equal(deployed.ExpertReplicaSet.Count, described.ExpertReplicaSet.Count);
        Assert.All(described.ExpertReplicaSet.GroupBy(r => (r.Layer, r.Expert)), g =>
        {
            Assert.Equal(2, g.Count());
            Assert.Equal(2, g.Select(r => r.Pin).Distinct().Count());
        });
        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("twice").Report();
        Assert.Contains(report.Rows, r => r.Silo == joined.Address.ToString());
    }

    [Fact]
    public async Task Rebalance_SlotsBelowTheDeployedReplicas_RefusedNamingTheFloor()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2, Fabric);
        var deployed = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("floor")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1, ExpertReplicas = 2 });
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("floor");

        var belowFloor = await Assert.ThrowsAsync<DistInferException>(() => balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = deployed.NumExperts }));
        var belowExperts = await Assert.ThrowsAsync<DistInferException>(() => balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = 3 }));
        var cap = await Assert.ThrowsAsync<DistInferException>(() => balancer.Rebalance(new RebalanceRequest { MaxReplicasPerExpert = 1 }));

        Assert.Contains($"cannot hold {deployed.NumExperts} experts with 2 replica(s) each (model floor was deployed with 2 expert replica(s)); ask for at least {2 * deployed.NumExperts}", belowFloor.Message, StringComparison.Ordinal);
        Assert.Contains("3 slots per layer cannot hold", belowExperts.Message, StringComparison.Ordinal);
        Assert.Contains("at most 1 replica(s) per expert is fewer than the 2 model floor keeps", cap.Message, StringComparison.Ordinal);
        Assert.Equal(deployed.ReplicaSetVersion, (await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("floor").Describe())!.ReplicaSetVersion);
    }

    [Fact]
    public async Task SiloJoins_BeforeAnyDeployment_NoRebalanceAndDeploymentUsesIt()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1, Fabric);
        var outcome = NextOutcome(cluster.Silos);
        var joined = await cluster.AddSiloAsync();
        var deployed = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("later")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });

        // Placement of the later deployment already ranked the new silo; the join had nothing to rebalance.
        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("later").Report();
        Assert.Contains(report.Rows, r => r.Silo == joined.Address.ToString());
        Assert.False(outcome.IsCompleted);
        var described = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("later").Describe();
        Assert.Equal(deployed.ReplicaSetVersion, described!.ReplicaSetVersion);
    }

    /// <summary>The next rebalance on join any of <paramref name="silos"/> performs.</summary>
    private static Task<JoinRebalanceOutcome> NextOutcome(IEnumerable<Silo> silos)
    {
        var next = new TaskCompletionSource<JoinRebalanceOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var silo in silos)
        {
            silo.Services.GetRequiredService<SiloJoinRebalancer>().Completed += o => next.TrySetResult(o);
        }

        return next.Task;
    }
}
