using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>
/// A repair also loads the replicas it keeps: a silo restarted on a dead one's endpoint has that silo's pin, so its
/// replicas stay in the set with no activation and no weights until a request routes to them.
/// </summary>
public sealed class RepairWarmTests
{
    [Fact]
    public async Task Repair_KeptReplicaLostItsActivation_LoadedAgainBeforeAnyRequest()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>("warm");
        var deployed = await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1 });
        var replica = cluster.GrainFactory.GetGrain<IExpertGrain>(deployed.ExpertReplicaSet[0].Key);

        // What a process restarted on the same endpoint leaves: the replica's grain without an activation.
        await replica.Retire();
        var attempts = 0;
        while ((await replica.Status()).Loaded)
        {
            Assert.True(++attempts < 1000, "the retired replica kept its activation");
            await Task.Yield();
        }

        var result = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("warm").Repair();

        Assert.False(result.Changed);
        Assert.True((await replica.Status()).Loaded);
    }
}
