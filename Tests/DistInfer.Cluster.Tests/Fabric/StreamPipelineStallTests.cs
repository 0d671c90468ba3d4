using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>The stream transport's stall check tells a stage busy in one long turn from a lost micro-batch.</summary>
public sealed class StreamPipelineStallTests
{
    private const string Model = "slow";

    [Fact]
    public async Task RunAsync_StageComputesLongerThanTheCallTimeout_StepIsNotRetried()
    {
        // Stage 1 spends its first micro-batch in one turn that never yields (as a long prefill does), for longer
        // than a call's response timeout: the stall check's Holds call to it times out while it still holds the work.
        var responseTimeout = TimeSpan.FromSeconds(2);
        var slow = new SynchronousSlowStage(new StageKey(Model, 0, 1).ToString(), responseTimeout * 3);
        var fabric = new FabricOptions { RebalanceOnJoin = false, StallCheckPeriod = TimeSpan.FromMilliseconds(100) };
        await using var cluster = new FabricTestCluster
        {
            Fabric = fabric,
            ConfigureSilo = (_, services) =>
            {
                services.Configure<SiloOptions>(o => o.Messaging.ResponseTimeout = responseTimeout);
                services.AddSingleton<IStageActivityListener>(slow);
            },
        };
        await cluster.AddSiloAsync();
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama"), Stages = 2 });
        int[] prompt = [1, 2, 3, 4];
        var parameters = new SamplingParams { MaxNewTokens = 3, MinNewTokens = 3 };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("llama"), Gemm.Default)).Generate([prompt], parameters)[0].GeneratedIds;

        var executor = new FabricBatchExecutor(cluster.GrainFactory, info, 0, fabric);
        await using var batcher = new ContinuousBatcher(executor, []);
        var tokens = new List<int>();
        await foreach (var e in batcher.GenerateAsync(prompt, parameters))
        {
            tokens.Add(e.TokenId);
        }

        Assert.Equal(expected, tokens);
        Assert.Equal(0, executor.Recoveries);
    }

    /// <summary>
    /// Every silo's executors number micro-batches from their own counter, so two executors' micro-batches may share an
    /// id: a stage holding one executor's micro-batch 5 must not answer for another's (whose stall check would then
    /// miss a lost micro-batch, or, once the first is handed on, declare its own live one lost).
    /// </summary>
    [Fact]
    public async Task Holds_SameIdOfAnotherExecutor_False()
    {
        var stageKey = new StageKey(Model, 0, 0).ToString();
        var gate = new GatedStage(stageKey);
        await using var cluster = new FabricTestCluster
        {
            Fabric = new FabricOptions { RebalanceOnJoin = false },
            ConfigureSilo = (_, services) => services.AddSingleton<IStageActivityListener>(gate),
        };
        await cluster.AddSiloAsync();
        await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model).Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama") });
        var stage = cluster.GrainFactory.GetGrain<IStageGrain>(stageKey);
        var entry = cluster.GrainFactory.GetMemoryStreamProvider(PipelineStreams.Provider)
            .GetStream<MicroBatch>(StreamId.Create(PipelineStreams.Activations, stageKey));

        await entry.OnNextAsync(new MicroBatch { Id = 5, ReplyTo = "executor-a", Step = new StageStep { SequenceIds = [1], Counts = [1], Tokens = [1], ExpectedLengths = [-1] } });
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            Assert.True(await stage.Holds("executor-a", 5));
            Assert.False(await stage.Holds("executor-b", 5));
        }
        finally
        {
            gate.Release.TrySetResult();
        }
    }

    /// <summary>Blocks the stage's thread inside its first micro-batch's turn: a computation that does not yield.</summary>
    private sealed class SynchronousSlowStage(string stageKey, TimeSpan duration) : IStageActivityListener
    {
        private int _seen;

        public ValueTask OnBusyAsync(string stage, StageStep step)
        {
            if (stage == stageKey && Interlocked.Increment(ref _seen) == 1)
            {
                Thread.Sleep(duration);
            }

            return ValueTask.CompletedTask;
        }
    }
}
