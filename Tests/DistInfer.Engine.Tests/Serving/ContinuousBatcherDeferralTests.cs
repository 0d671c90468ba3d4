using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>
/// Sequences a step could not start (a full stage) wait in the queue while the running ones go on, and then run as
/// if they had come later. Before, the executor retried the whole step with a re-prefill until its recovery window
/// ran out and then failed every sequence in it.
/// </summary>
public sealed class ContinuousBatcherDeferralTests
{
    private static readonly int[] PromptA = [175, 196, 25, 502, 67, 211, 407, 103];
    private static readonly int[] PromptB = [218, 392, 167, 486, 68];
    private static readonly int[] PromptC = [11, 12, 13];

    private static int[] Standalone(int[] prompt, int tokens) =>
        new Generator(FixtureModels.Load("mixtral")).Generate([prompt], new SamplingParams { MaxNewTokens = tokens, MinNewTokens = tokens })[0].GeneratedIds;

    private static async Task<int[]> Collect(IAsyncEnumerable<TokenEvent> events) =>
        await events.Where(e => e.TokenId >= 0).Select(e => e.TokenId).ToArrayAsync();

    [Fact]
    public async Task GenerateAll_ExecutorHoldsOneSequence_OthersDeferredThenEqualGenerator()
    {
        var executor = new CapacityLimitedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")), capacity: 1);
        await using var batcher = new ContinuousBatcher(executor, [], new BatcherOptions { DeferredRetryDelay = TimeSpan.FromMilliseconds(1) });

        var streams = batcher.GenerateAll([
            new SequenceRequest(PromptA, new SamplingParams { MaxNewTokens = 6 }, default),
            new SequenceRequest(PromptB, new SamplingParams { MaxNewTokens = 5 }, default),
            new SequenceRequest(PromptC, new SamplingParams { MaxNewTokens = 4 }, default)]);

        Assert.Equal(Standalone(PromptA, 6), await Collect(streams[0]));
        Assert.Equal(Standalone(PromptB, 5), await Collect(streams[1]));
        Assert.Equal(Standalone(PromptC, 4), await Collect(streams[2]));
        Assert.True(batcher.Deferrals >= 2, $"{batcher.Deferrals} deferrals");
        Assert.Equal(1, executor.MostHeld);
        await batcher.WhenIdleAsync();
        Assert.Equal(0, batcher.Waiting);
    }

    /// <summary>
    /// A request that arrives while another waits for room is not stepped before it: each newcomer was admitted at
    /// once, deferred beside it, and stood ahead of it in the batch, so it took the room first (review finding).
    /// </summary>
    [Fact]
    public async Task GenerateAsync_ArrivesWhileAnotherIsDeferred_NotSteppedUntilTheDeferredOneIs()
    {
        var limited = new CapacityLimitedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")), capacity: 1);
        var gate = new GatedExecutor(limited);
        await using var batcher = new ContinuousBatcher(gate, [], new BatcherOptions { DeferredRetryDelay = TimeSpan.FromSeconds(1) });

        var a = Collect(batcher.GenerateAsync(PromptA, new SamplingParams { MaxNewTokens = 4 }));
        await gate.Entered.WaitAsync(); // step 1: A alone
        var b = Collect(batcher.GenerateAsync(PromptB, new SamplingParams { MaxNewTokens = 3 }));
        gate.Allow();
        await gate.Entered.WaitAsync(); // step 2: A and B
        var c = Collect(batcher.GenerateAsync(PromptC, new SamplingParams { MaxNewTokens = 3 }));
        gate.Allow(); // B finds no room
        await gate.Entered.WaitAsync(); // step 3, while B waits for its retry
        gate.Allow(1000);

        Assert.Equal(Standalone(PromptA, 4), await a);
        Assert.Equal(Standalone(PromptB, 3), await b);
        Assert.Equal(Standalone(PromptC, 3), await c);
        Assert.Single(limited.Steps[1].Deferred);
        Assert.Single(limited.Steps[2].Ids);
    }

    [Fact]
    public async Task GenerateAsync_CancelledWhileDeferred_EndsCancelledAndRunningOneFinishes()
    {
        var executor = new CapacityLimitedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")), capacity: 1);
        await using var batcher = new ContinuousBatcher(executor, [], new BatcherOptions { DeferredRetryDelay = TimeSpan.FromMilliseconds(1) });
        using var cancel = new CancellationTokenSource();

        // Queued in one call: B is there before A's first token can be read (two calls let a slow test thread queue B
        // after A's tokens were out, and cancel it before any step had it).
        var streams = batcher.GenerateAll([
            new SequenceRequest(PromptA, new SamplingParams { MaxNewTokens = 12 }, default),
            new SequenceRequest(PromptB, new SamplingParams { MaxNewTokens = 5 }, cancel.Token)]);
        var (a, b) = (streams[0], streams[1]);
        await using var first = a.GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        Assert.True(await first.MoveNextAsync()); // two steps in: B has been deferred at least once
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Collect(b));
        var rest = new List<int> { first.Current.TokenId };
        while (await first.MoveNextAsync())
        {
            rest.Add(first.Current.TokenId);
        }

        Assert.Equal(Standalone(PromptA, 12)[1..], rest);
        Assert.True(batcher.Deferrals >= 1);
        await batcher.WhenIdleAsync();
        Assert.Equal(0, batcher.Waiting);
    }
}
