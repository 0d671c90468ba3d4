using System.Collections.Concurrent;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>
/// Micro-batches beyond <see cref="FabricOptions.MaxStageStepTokens"/> go through the pipeline as several stage steps.
/// A GPU stage refuses a step over its size, and a re-prefill after a fault sends every sequence's whole history at
/// once: without the split it failed again on each retry until the recovery window ended, and every request with it.
/// </summary>
public sealed class StageStepChunkTests
{
    [Fact]
    public void NextStageStep_SequencesLongerThanTheLimit_ContinueInTheNextStepWithTheirGrownCache()
    {
        long[] ids = [10, 11, 12];
        int[] counts = [7, 3, 1];
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 21, 22, 23, 31];
        int[] expected = [-1, 5, 9];
        var sent = new int[3];
        int s = 0, offset = 0;

        var first = FabricBatchExecutor.NextStageStep(ids, counts, tokens, expected, 4, sent, ref s, ref offset, out var done1);
        var second = FabricBatchExecutor.NextStageStep(ids, counts, tokens, expected, 4, sent, ref s, ref offset, out var done2);
        var third = FabricBatchExecutor.NextStageStep(ids, counts, tokens, expected, 4, sent, ref s, ref offset, out var done3);

        Assert.Equal([10], first.SequenceIds);
        Assert.Equal([1, 2, 3, 4], first.Tokens);
        Assert.Equal([-1], first.ExpectedLengths);
        Assert.Empty(done1);
        Assert.Equal([10, 11], second.SequenceIds);
        Assert.Equal([3, 1], second.Counts);
        Assert.Equal([5, 6, 7, 21], second.Tokens);
        Assert.Equal([4, 5], second.ExpectedLengths);
        Assert.Equal([(0, 0)], done2);
        Assert.Equal([11, 12], third.SequenceIds);
        Assert.Equal([22, 23, 31], third.Tokens);
        Assert.Equal([6, 9], third.ExpectedLengths);
        Assert.Equal([(0, 1), (1, 2)], done3);
        Assert.Equal(3, s);
    }

    [Fact]
    public async Task Generate_PromptsAndReprefillBeyondTheStepLimit_SameTokensAsTheEngineInSmallSteps()
    {
        const int Limit = 4;
        var fabric = new FabricOptions { RebalanceOnJoin = false, MaxStageStepTokens = Limit, RecoveryBackoff = TimeSpan.FromMilliseconds(10) };
        var steps = new StepRecorder(new StageKey("chunks", 0, 0).ToString(), failAtStep: 4);
        await using var cluster = new FabricTestCluster { Fabric = fabric, ConfigureSilo = (_, services) => services.AddSingleton<IStageActivityListener>(steps) };
        await cluster.AddSiloAsync();
        await cluster.AddSiloAsync();
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("chunks")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama"), Stages = 2 });
        int[][] prompts = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [40, 41]];
        var parameters = new SamplingParams { MaxNewTokens = 5, MinNewTokens = 5 };
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("llama"), Gemm.Default)).Generate(prompts, parameters);

        var executor = new FabricBatchExecutor(cluster.GrainFactory, info, 0, fabric);
        await using var batcher = new ContinuousBatcher(executor, []);
        var outputs = await Task.WhenAll(prompts.Select(async p =>
        {
            var tokens = new List<int>();
            await foreach (var e in batcher.GenerateAsync(p, parameters))
            {
                tokens.Add(e.TokenId);
            }

            return tokens;
        }));

        Assert.Equal(expected[0].GeneratedIds, outputs[0]);
        Assert.Equal(expected[1].GeneratedIds, outputs[1]);
        Assert.Equal(1, executor.Recoveries);
        Assert.All(steps.Sizes, size => Assert.InRange(size, 1, Limit));
        Assert.Contains(steps.Sizes, size => size == Limit);
    }

    /// <summary>Records each step's token count at one stage and fails one step there (a fault that forces a re-prefill).</summary>
    private sealed class StepRecorder(string stageKey, int failAtStep) : IStageActivityListener
    {
        private int _steps;

        public ConcurrentQueue<int> Sizes { get; } = new();

        public ValueTask OnBusyAsync(string stage, StageStep step)
        {
            if (stage != stageKey)
            {
                return ValueTask.CompletedTask;
            }

            Sizes.Enqueue(step.Tokens.Length);
            return Interlocked.Increment(ref _steps) == failAtStep
                ? ValueTask.FromException(new InvalidOperationException("injected stage fault"))
                : ValueTask.CompletedTask;
        }
    }
}
