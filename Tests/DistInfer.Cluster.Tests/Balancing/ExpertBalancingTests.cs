using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class ExpertBalancingTests(ITestOutputHelper output)
{
    private const string Model = "skew";

    [Fact]
    public async Task Rebalance_SkewedRouting_BalancednessBelowHalfBeforeAndAtLeast08After()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("test");
        var info = await front.Deploy(Model, new DeploymentRequest { ModelPath = checkpoint.Path, Stages = 2 });
        var engine = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);

        await RunAndCompareAsync(cluster.GrainFactory, info, engine, checkpoint, firstSequence: 1);
        var before = await balancer.Report();
        Assert.True(before.Balancedness < 0.5, $"balancedness before rebalancing {before.Balancedness:F3} ({string.Join(", ", before.LayerBalancedness.Select(b => b.ToString("F3")))})");

        var result = await balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });
        Assert.True(result.Changed);
        Assert.True(result.Added > 0, "no replica added for the hot experts");
        Assert.True(result.ExpectedBalancedness >= 0.8, $"planned balancedness {result.ExpectedBalancedness:F3}");
        var deployed = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Describe();
        Assert.Equal(result.ReplicaSetVersion, deployed!.ReplicaSetVersion);
        Assert.Equal(result.Replicas.Select(r => r.Key), deployed.ExpertReplicaSet.Select(r => r.Key));
        Assert.True(deployed.ExpertReplicaCounts.Max() >= 2, "the replica counts in the deployment did not follow the new set");

        await RunAndCompareAsync(cluster.GrainFactory, deployed, engine, checkpoint, firstSequence: 100);
        var after = await balancer.Report();
        Assert.True(after.Balancedness >= 0.8, $"balancedness after rebalancing {after.Balancedness:F3} ({string.Join(", ", after.LayerBalancedness.Select(b => b.ToString("F3")))}); "
            + string.Join(" ", after.Rows.Select(r => $"{r.Layer}/{r.Expert}/{r.Replica}:{r.Tokens}")));
        output.WriteLine($"balancedness before {before.Balancedness:F3}, planned {result.ExpectedBalancedness:F3}, after {after.Balancedness:F3}; {result.Added} replicas added, {result.Removed} removed");
        Assert.Equal(result.ReplicaSetVersion, after.ReplicaSetVersion);
        Assert.All(after.Rows, r => Assert.True(r.Tokens > 0, $"replica {r.Key} served nothing"));
        Assert.All(after.Rows, r => Assert.Equal(0, r.Outstanding));

        // Replicas of one expert never share a silo, and every replica runs where its key pins it.
        foreach (var group in after.Rows.GroupBy(r => (r.Layer, r.Expert)))
        {
            Assert.Equal(group.Count(), group.Select(r => r.Silo).Distinct().Count());
        }

        foreach (var replica in deployed.ExpertReplicaSet)
        {
            var row = after.Rows.Single(r => r.Key == replica.Key);
            Assert.Equal(replica.Pin, ExpertKey.PinOf(row.Silo));
        }

        // The cluster status lists exactly the current replica set.
        var status = await front.Status();
        Assert.Equal(deployed.ExpertReplicaSet.Select(r => r.Key).Order(), status.Experts.Where(e => e.Model == Model).Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Rebalance_LoadBecomesUniform_RetiresExtraReplicasAndStagesStopUsingThem()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        await using var cluster = await FabricTestCluster.StartAsync(3);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Deploy(new DeploymentRequest { ModelPath = checkpoint.Path, Stages = 2 });
        var engine = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);
        await RunAndCompareAsync(cluster.GrainFactory, info, engine, checkpoint, firstSequence: 1);
        var grown = await balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });

        await RunAndCompareAsync(cluster.GrainFactory, info, engine, checkpoint, firstSequence: 100, BalancingSteps.Uniform);
        var shrunk = await balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });

        Assert.True(shrunk.Changed);
        Assert.Equal(grown.Added, shrunk.Removed);
        Assert.Equal(0, shrunk.Added);
        Assert.Equal(info.MoeLayers.Count * info.NumExperts, shrunk.Replicas.Count);
        var retired = grown.Replicas.Select(r => r.Key).Except(shrunk.Replicas.Select(r => r.Key)).ToHashSet();
        for (var s = 0; s < info.Stages; s++)
        {
            var stage = await cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey(Model, 0, s).ToString()).Status();
            Assert.Equal(shrunk.ReplicaSetVersion, stage.ReplicaSetVersion);
            Assert.DoesNotContain(stage.Dispatch, d => retired.Contains(d.Key));
        }

        await RunAndCompareAsync(cluster.GrainFactory, info, engine, checkpoint, firstSequence: 200, BalancingSteps.Uniform);
        var report = await balancer.Report();
        Assert.True(report.Balancedness >= 0.8, $"balancedness {report.Balancedness:F3} on uniform load with one replica per expert");
    }

    [Fact]
    public async Task StartPeriodic_PeriodElapses_RebalancesOnItsTimer()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var time = new DistInfer.Runtime.Tests.Infrastructure.FakeTimeProvider { RealTimestamps = true };
        await using var cluster = await FabricTestCluster.StartAsync(3, services => services.AddSingleton<TimeProvider>(time));
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        var info = await registry.Deploy(new DeploymentRequest { ModelPath = checkpoint.Path });
        var engine = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);
        await RunAndCompareAsync(cluster.GrainFactory, info, engine, checkpoint, firstSequence: 1);
        await balancer.StartPeriodic(new RebalanceRequest { SlotsPerLayer = 16 }, TimeSpan.FromMinutes(5));
        Assert.Equal(info.ReplicaSetVersion, (await registry.Describe())!.ReplicaSetVersion);

        time.Advance(TimeSpan.FromMinutes(5));

        // The tick is queued as a turn of the balancer; a request queues behind it, so when it returns the tick ran.
        await balancer.StopPeriodic();
        var after = (await registry.Describe())!;
        Assert.Equal(info.ReplicaSetVersion + 1, after.ReplicaSetVersion);
        Assert.True(after.ExpertReplicaSet.Count > info.ExpertReplicaSet.Count, "the periodic rebalance added no replica");
    }

    [Fact]
    public async Task StartPeriodic_LandsAfterUndeploy_FirstTickStopsTheTimer()
    {
        // A front's StartPeriodic can land after the undeployment's StopPeriodic. Before, the timer then ticked on
        // (a warning a period) and rebalanced whatever was deployed under the name next.
        using var checkpoint = SkewedCheckpoint.Write();
        var time = new DistInfer.Runtime.Tests.Infrastructure.FakeTimeProvider { RealTimestamps = true };
        await using var cluster = await FabricTestCluster.StartAsync(3, services => services.AddSingleton<TimeProvider>(time));
        var registry = cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model);
        await registry.Deploy(new DeploymentRequest { ModelPath = checkpoint.Path });
        await registry.Undeploy(0);
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);
        await balancer.StartPeriodic(new RebalanceRequest { SlotsPerLayer = 16 }, TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromMinutes(5));
        // Queued behind the tick, so when it returns the tick ran (it fails: nothing is deployed to reset).
        Assert.NotNull(await Record.ExceptionAsync(() => balancer.ResetStatistics()));

        var info = await registry.Deploy(new DeploymentRequest { ModelPath = checkpoint.Path });
        await RunAndCompareAsync(cluster.GrainFactory, info, TransformerModel.Load(checkpoint.Path, Gemm.Default), checkpoint, firstSequence: 1);
        time.Advance(TimeSpan.FromMinutes(5));
        await balancer.ResetStatistics();

        Assert.Equal(info.ReplicaSetVersion, (await registry.Describe())!.ReplicaSetVersion);
    }

    [Fact]
    public async Task Rebalance_NoTokensObserved_KeepsReplicaSet()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Deploy(new DeploymentRequest { ModelPath = checkpoint.Path });
        var balancer = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);

        var idle = await balancer.Rebalance(new RebalanceRequest { SlotsPerLayer = 16 });

        Assert.False(idle.Changed);
        Assert.Equal(info.ReplicaSetVersion, idle.ReplicaSetVersion);
        Assert.Equal(info.ExpertReplicaSet.Select(r => r.Key), idle.Replicas.Select(r => r.Key));
    }

    [Fact]
    public async Task Deploy_CapacityFactor_StageOutputsEqualEngineWithSameFactor()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = checkpoint.Path, Stages = 2, CapacityFactor = 1.0 });
        var engine = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        engine.CapacityFactor = 1.0;
        var dropless = TransformerModel.Load(checkpoint.Path, Gemm.Default);

        var (tokens, counts) = BalancingSteps.Batches(checkpoint, steps: 1).Single();
        var fabric = await ForwardAsync(cluster.GrainFactory, info, tokens, counts, firstSequence: 1);

        var expected = engine.Forward(new BatchLayout([.. counts.Select(_ => engine.CreateCache())], counts), tokens, allPositions: false);
        var error = RelativeError(fabric, expected);
        Assert.True(error < 1e-5, $"fabric with capacity factor 1 differs from the engine with it: relative error {error:E2}");
        var unlimited = dropless.Forward(new BatchLayout([.. counts.Select(_ => dropless.CreateCache())], counts), tokens, allPositions: false);
        Assert.True(RelativeError(fabric, unlimited) > 1e-4, "capacity factor 1 dropped nothing although experts 0 and 1 are overfull");
    }

    private static async Task RunAndCompareAsync(IGrainFactory grains, DeploymentInfo info, TransformerModel engine, SkewedCheckpoint checkpoint, long firstSequence, int[]? perResidue = null)
    {
        var sequence = firstSequence;
        foreach (var (tokens, counts) in BalancingSteps.Batches(checkpoint, perResidue: perResidue))
        {
            var fabric = await ForwardAsync(grains, info, tokens, counts, sequence);
            sequence += counts.Length;
            var expected = engine.Forward(new BatchLayout([.. counts.Select(_ => engine.CreateCache())], counts), tokens, allPositions: false);
            var error = RelativeError(fabric, expected);
            Assert.True(error < 1e-5, $"fabric logits differ from the in-process engine: relative error {error:E2}");
        }
    }

    /// <summary>One prefill step of new sequences through pipeline replica 0 (stage 0 hands it on); last-token logits.</summary>
    private static async Task<float[]> ForwardAsync(IGrainFactory grains, DeploymentInfo info, int[] tokens, int[] counts, long firstSequence)
    {
        var ids = Enumerable.Range(0, counts.Length).Select(i => firstSequence + i).ToArray();
        var step = new StageStep { SequenceIds = ids, Counts = counts, Tokens = tokens };
        var output = await grains.GetGrain<IStageGrain>(new StageKey(info.Name, 0, 0).ToString()).Forward(step);
        for (var s = 0; s < info.Stages; s++)
        {
            await grains.GetGrain<IStageGrain>(new StageKey(info.Name, 0, s).ToString()).Release(ids);
        }

        return output;
    }

    private static double RelativeError(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }

        return maxDiff / maxRef;
    }
}
