using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Serving;

public sealed class ContinuousBatcherTests
{
    private static readonly int[] PromptA = [175, 196, 25, 502, 67, 211, 407, 103];
    private static readonly int[] PromptB = [218, 392, 167, 486, 68];

    private static int[] Standalone(int[] prompt, int tokens) =>
        new Generator(FixtureModels.Load("mixtral")).Generate([prompt], new SamplingParams { MaxNewTokens = tokens, MinNewTokens = tokens })[0].GeneratedIds;

    private static async Task<int[]> Collect(IAsyncEnumerable<TokenEvent> events) =>
        (await events.Where(e => e.TokenId >= 0).Select(e => e.TokenId).ToArrayAsync());

    [Fact]
    public async Task GenerateAsync_Greedy_EqualsInProcessGenerator()
    {
        var executor = new LocalBatchExecutor(FixtureModels.Load("mixtral"));
        await using var batcher = new ContinuousBatcher(executor, []);

        var a = Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 10 }));
        var b = Collect(batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 7 }));

        Assert.Equal(Standalone(PromptA, 10), await a);
        Assert.Equal(Standalone(PromptB, 7), await b);
        Assert.Equal(0, executor.LiveSequences);
    }

    [Fact]
    public async Task GenerateAsync_StepsSampled_EachStepsLogitsHandedBackOnceAndTokensUnchanged()
    {
        // The executor reuses arrays handed back (a step's logits are large); the batcher must hand each back once,
        // after sampling from it, or a later step would overwrite logits still being read.
        var executor = new RecyclingExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        var batcher = new ContinuousBatcher(executor, []);

        var a = Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 10 }));
        var b = Collect(batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 7 }));

        Assert.Equal(Standalone(PromptA, 10), await a);
        Assert.Equal(Standalone(PromptB, 7), await b);
        await batcher.DisposeAsync(); // the last step hands its logits back after its final tokens went out
        Assert.NotEmpty(executor.Returned);
        Assert.Equal(executor.Returned, executor.Recycled);
    }

    [Fact]
    public async Task GenerateAsync_MaxNewTokensZero_NoTokensAndNoStep()
    {
        // The CLI through a gateway printed one token for --max-new-tokens 0; in-process it prints none.
        var executor = new LocalBatchExecutor(FixtureModels.Load("mixtral"));
        await using var batcher = new ContinuousBatcher(executor, []);

        var tokens = await Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 0 }));

        Assert.Empty(tokens);
        Assert.Equal(0, batcher.Steps);
        Assert.Equal(Standalone(PromptA, 0), tokens);
    }

    [Fact]
    public async Task GenerateAsync_RequestArrivesMidDecode_JoinsRunningBatch()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, []);
        var a = Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 8 }));
        gate.Allow(3);
        await WaitForSteps(gate, 3);

        var b = Collect(batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 4 }));
        gate.Allow(100);

        Assert.Equal(Standalone(PromptA, 8), await a);
        Assert.Equal(Standalone(PromptB, 4), await b);
        // B's prefill ran in the same step as A's decode: some step holds both sequences.
        Assert.Contains(gate.Steps, s => s.Length == 2);
        Assert.Equal(8, gate.Steps.Count);
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_StopsAndFreesKvCache()
    {
        var local = new LocalBatchExecutor(FixtureModels.Load("mixtral"));
        var gate = new GatedExecutor(local);
        await using var batcher = new ContinuousBatcher(gate, []);
        using var cts = new CancellationTokenSource();
        var events = new List<TokenEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 50 }, cts.Token).WithCancellation(CancellationToken.None))
            {
                events.Add(e);
            }
        });
        gate.Allow(2);
        await WaitForSteps(gate, 2);
        await gate.StepWaiting.Task;
        Assert.Equal(1, local.LiveSequences);

        await cts.CancelAsync();
        gate.Allow(1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        Assert.Equal(FinishReason.Cancelled, events[^1].FinishReason);
        Assert.Equal(0, local.LiveSequences);
    }

    /// <summary>The step's token was sent even though its caller cancelled during the step, and as the last one "length".</summary>
    [Fact]
    public async Task GenerateAsync_CancelledDuringItsLastStep_NoTokenAfterTheCancelAndFinishIsCancelled()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, []);
        using var cts = new CancellationTokenSource();
        var events = new List<TokenEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 3, MinNewTokens = 3 }, cts.Token).WithCancellation(CancellationToken.None))
            {
                events.Add(e);
            }
        });
        gate.Allow(2);
        await WaitForSteps(gate, 2);
        await gate.StepWaiting.Task;

        await cts.CancelAsync();
        gate.Allow(1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        Assert.Equal(2, events.Count(e => e.TokenId >= 0));
        Assert.DoesNotContain(events, e => e.FinishReason == FinishReason.Length);
    }

    [Fact]
    public async Task GenerateAsync_QueueFull_ThrowsOverCapacity()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, [], new BatcherOptions { MaxRunning = 1, MaxWaiting = 1 });
        _ = batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 5 });
        await gate.StepWaiting.Task; // the first request is running
        _ = batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 5 });

        var error = Assert.Throws<OverCapacityException>(() => batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 5 }));
        Assert.Contains("over capacity", error.Message, StringComparison.Ordinal);
        gate.Allow(100);
    }

    [Fact]
    public async Task GenerateAsync_StepFails_FailsThoseRequestsOnlyAndKeepsServing()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, []);
        gate.FailNext = new InvalidOperationException("stage lost");
        var failed = Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 5 }));
        gate.Allow(1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Equal("stage lost", error.Message);

        var next = Collect(batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 3 }));
        gate.Allow(100);
        Assert.Equal(Standalone(PromptB, 3), await next);
    }

    [Fact]
    public async Task GenerateAsync_BadTokenId_ThrowsNamingIt()
    {
        await using var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), []);
        var error = Assert.Throws<DistInferException>(() => batcher.GenerateAsync([1, 99999], new SamplingParams()));
        Assert.Contains("99999", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitForSteps(GatedExecutor gate, int count)
    {
        while (true)
        {
            var waiting = gate.StepWaiting.Task;
            lock (gate.Steps)
            {
                if (gate.Steps.Count >= count)
                {
                    return;
                }
            }

            await waiting;
        }
    }
}
