using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>
/// Replicas of one expert stay on distinct silos when a silo holding some of them dies: placement reactivates them
/// apart at once, and the repair after the death pins them there in the committed set. Before, a lost replica
/// reactivated at rank (e + layer + r) of the survivors, beside its sibling for about half of the experts, until a
/// rebalance that nothing triggered.
/// </summary>
public sealed class SiloDeathReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task SiloDies_ItsReplicasReactivate_NoTwoReplicasOfOneExpertShareASilo()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>("survivor");
        await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1, ExpertReplicas = 2 });
        var victim = cluster.Silos[1];
        var repaired = NextRepair(cluster.Silos.Where(s => s != victim));

        await cluster.KillAsync(victim);

        // The report asks every replica of the committed set for its status: those of the dead silo reactivate
        // (unless the repair has already replaced them).
        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("survivor").Report();
        AssertApart(report, victim);
        Assert.Empty((await repaired.WaitAsync(Bound)).Errors);
    }

    [Fact]
    public async Task SiloDies_RepairOff_PlacementAloneKeepsReplicasApart()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3, new FabricOptions { RebalanceOnJoin = false, RepairOnSiloDeath = false });
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>("placed");
        var deployed = await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1, ExpertReplicas = 2 });
        var victim = cluster.Silos[1];

        await cluster.KillAsync(victim);

        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("placed").Report();
        AssertApart(report, victim);
        Assert.Equal(deployed.ReplicaSetVersion, report.ReplicaSetVersion);
        Assert.Contains(report.Rows, r => r.Key.EndsWith("@" + ExpertKey.PinOf(victim.Address.ToString()), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SiloDies_Repaired_EveryReplicaPinnedToALiveSiloAwayFromItsSiblingsWithTheDeployedCount()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>("repinned");
        var deployed = await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2, ExpertReplicas = 2 });
        var victim = cluster.Silos[1];
        var lost = deployed.ExpertReplicaSet.Where(r => r.Pin == ExpertKey.PinOf(victim.Address.ToString())).ToList();
        var repaired = NextRepair(cluster.Silos.Where(s => s != victim));

        await cluster.KillAsync(victim);
        var outcome = await repaired.WaitAsync(Bound);

        Assert.Equal([victim.Address.ToString()], outcome.DeadSilos);
        Assert.Empty(outcome.Errors);
        var result = outcome.Results["repinned"]!;
        Assert.True(result.Changed);
        Assert.Equal(lost.Count, result.Added);
        Assert.Equal(lost.Count, result.Removed);
        var described = (await registry.Describe())!;
        Assert.Equal(result.ReplicaSetVersion, described.ReplicaSetVersion);
        var live = cluster.Silos.Where(s => s != victim).Select(s => ExpertKey.PinOf(s.Address.ToString())).ToHashSet();
        Assert.All(described.ExpertReplicaSet, r => Assert.Contains(r.Pin, live));
        Assert.All(described.ExpertReplicaSet.GroupBy(r => (r.Layer, r.Expert)), g => Assert.Equal(2, g.Select(r => r.Pin).Distinct().Count()));

        // Only the lost replicas were replaced; every replica runs where its key pins it; the stages use the new set.
        Assert.Equal(deployed.ExpertReplicaSet.Except(lost).Select(r => r.Key).Order(), described.ExpertReplicaSet.Intersect(deployed.ExpertReplicaSet).Select(r => r.Key).Order());
        var report = await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>("repinned").Report();
        Assert.All(described.ExpertReplicaSet, r => Assert.Equal(r.Pin, ExpertKey.PinOf(report.Rows.Single(row => row.Key == r.Key).Silo)));
        for (var s = 0; s < described.Stages; s++)
        {
            var stage = await cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey("repinned", 0, s).ToString()).Status();
            Assert.Equal(described.ReplicaSetVersion, stage.ReplicaSetVersion);
            Assert.DoesNotContain(stage.Dispatch, d => lost.Any(x => x.Key == d.Key));
        }
    }

    [Fact]
    public async Task SiloDies_FewerLiveSilosThanReplicas_OneReplicaPerExpertUntilAJoinRestoresTheDeployedCount()
    {
        var fabric = new FabricOptions { JoinSettleDelay = TimeSpan.FromMilliseconds(100) };
        await using var cluster = await FabricTestCluster.StartAsync(2, fabric);
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>("shrunk");
        var deployed = await registry.Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1, ExpertReplicas = 2 });
        var (survivor, victim) = (cluster.Silos[0], cluster.Silos[1]);
        var repaired = NextRepair([survivor]);

        await cluster.KillAsync(victim);
        var outcome = await repaired.WaitAsync(Bound);

        // No live silo is free for the lost replicas: they are dropped, not doubled up beside their siblings.
        Assert.Empty(outcome.Errors);
        var described = (await registry.Describe())!;
        Assert.Equal(deployed.ExpertReplicaSet.Count / 2, described.ExpertReplicaSet.Count);
        Assert.All(described.ExpertReplicaSet.GroupBy(r => (r.Layer, r.Expert)), g => Assert.Single(g));
        Assert.All(described.ExpertReplicaSet, r => Assert.Equal(ExpertKey.PinOf(survivor.Address.ToString()), r.Pin));

        // The deployed count is still the floor: the rebalance after a join brings the second replicas back.
        var joinOutcome = NextJoinRebalance([survivor]);
        var joined = await cluster.AddSiloAsync();
        Assert.Empty((await joinOutcome.WaitAsync(Bound)).Errors);
        var restored = (await registry.Describe())!;
        Assert.Equal(deployed.ExpertReplicaSet.Count, restored.ExpertReplicaSet.Count);
        Assert.All(restored.ExpertReplicaSet.GroupBy(r => (r.Layer, r.Expert)), g => Assert.Equal(2, g.Select(r => r.Pin).Distinct().Count()));
        Assert.Contains(restored.ExpertReplicaSet, r => r.Pin == ExpertKey.PinOf(joined.Address.ToString()));
    }

    [Fact]
    public async Task SiloDiesDuringRequests_RepairCommitsBesideThem_AllCompleteWithTheSameTokens()
    {
        const int NewTokens = 12;
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("loaded")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral"), Stages = 2, ExpertReplicas = 2 });
        var prompts = Enumerable.Range(0, 20).Select(i => Enumerable.Range(0, 4 + i % 5).Select(t => (i * 29 + t * 7) % 512).ToArray()).ToArray();
        var parameters = new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Default)).Generate(prompts, parameters);
        var loss = await SiloLossUnderLoad.PrepareAsync(cluster, info, "loaded");
        var executor = new FabricBatchExecutor(loss.Driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 2 });
        await using var batcher = new ContinuousBatcher(executor, []);
        var repaired = NextRepair(cluster.Silos.Where(s => s != loss.Victim));
        var running = loss.RunAsync(batcher, prompts, parameters);

        await loss.ThirdDone;
        await cluster.KillAsync(loss.Victim);
        var outcome = await repaired.WaitAsync(Bound);
        output.WriteLine($"repair done with the requests {(running.IsCompleted ? "finished" : "still running")}");
        var results = await running.WaitAsync(Bound);

        Assert.Empty(outcome.Errors);
        Assert.True(outcome.Results["loaded"]!.Changed);
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, results[i]);
        }
    }

    /// <summary>Every row on a live silo, and the rows of one expert on distinct silos.</summary>
    private static void AssertApart(ExpertLoadReport report, Silo dead)
    {
        Assert.DoesNotContain(report.Rows, r => r.Silo == dead.Address.ToString());
        Assert.All(report.Rows.GroupBy(r => (r.Layer, r.Expert)), g =>
            Assert.True(g.Select(r => r.Silo).Distinct().Count() == g.Count(), $"layer {g.Key.Layer} expert {g.Key.Expert}: {string.Join(", ", g.Select(r => $"{r.Key} on {r.Silo}"))}"));
    }

    /// <summary>The next repair after a death any of <paramref name="silos"/> performs.</summary>
    private static Task<SiloDeathRepairOutcome> NextRepair(IEnumerable<Silo> silos)
    {
        var next = new TaskCompletionSource<SiloDeathRepairOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var silo in silos)
        {
            silo.Services.GetRequiredService<SiloDeathRepairer>().Completed += o => next.TrySetResult(o);
        }

        return next.Task;
    }

    /// <summary>The next rebalance on join any of <paramref name="silos"/> performs.</summary>
    private static Task<JoinRebalanceOutcome> NextJoinRebalance(IEnumerable<Silo> silos)
    {
        var next = new TaskCompletionSource<JoinRebalanceOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var silo in silos)
        {
            silo.Services.GetRequiredService<SiloJoinRebalancer>().Completed += o => next.TrySetResult(o);
        }

        return next.Task;
    }
}
