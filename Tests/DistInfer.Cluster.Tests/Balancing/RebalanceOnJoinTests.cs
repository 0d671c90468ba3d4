using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Fabric;
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
