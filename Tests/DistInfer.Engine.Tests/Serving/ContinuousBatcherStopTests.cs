using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>Draining and stopping a batcher (a model being undeployed): nobody waits for tokens that never come.</summary>
public sealed class ContinuousBatcherStopTests
{
    private static readonly int[] Prompt = [175, 196, 25, 502];

    private static async Task<int[]> Collect(IAsyncEnumerable<TokenEvent> events) =>
        await events.Where(e => e.TokenId >= 0).Select(e => e.TokenId).ToArrayAsync();

    [Fact]
    public async Task WhenIdleAsync_NothingQueued_CompletesAtOnce()
    {
        await using var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), []);

        await batcher.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, batcher.Steps);
    }

    [Fact]
    public async Task WhenIdleAsync_SequenceRunning_CompletesOnlyAfterItFinished()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, []);
        var tokens = Collect(batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 3 }));
        await gate.StepWaiting.Task;

        var idle = batcher.WhenIdleAsync();
        gate.Allow(2);
        await gate.StepWaiting.Task;
        Assert.False(idle.IsCompleted);
        gate.Allow(1);

        await idle.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, (await tokens).Length);
        Assert.Equal(0, batcher.Running + batcher.Waiting);
    }

    [Fact]
    public async Task GenerateAsync_FinishedSequencesReleaseHangs_OthersKeepSteppingAndItEndsOnceReleased()
    {
        var held = new HeldReleaseExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(held, []);
        var shortOne = Collect(batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 1, MinNewTokens = 1 }));
        var longOne = Collect(batcher.GenerateAsync([218, 392], new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 }));
        await held.FirstReleaseEntered.WaitAsync(TimeSpan.FromSeconds(30));

        // Before, the loop awaited the release before the next step: the other sequence waited out the hung call.
        Assert.Equal(6, (await longOne.WaitAsync(TimeSpan.FromSeconds(30))).Length);
        var idle = batcher.WhenIdleAsync();
        Assert.False(shortOne.IsCompleted, "the finished sequence's stream ended before its caches were freed");
        Assert.False(idle.IsCompleted, "idle before the finished sequence's caches were freed");

        held.LetGo();
        Assert.Single(await shortOne.WaitAsync(TimeSpan.FromSeconds(30)));
        await idle.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task StopAsync_OneRunningOneWaiting_BothEndWithTheReason()
    {
        // Before, a request still queued when the loop stopped waited forever (only running ones were told).
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        var batcher = new ContinuousBatcher(gate, [], new BatcherOptions { MaxRunning = 1 });
        var running = Collect(batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 5 }));
        await gate.StepWaiting.Task;
        var waiting = Collect(batcher.GenerateAsync([218, 392], new SamplingParams { MaxNewTokens = 5 }));
        Assert.Equal(1, batcher.Waiting);

        await batcher.StopAsync(new DistInferException("model m was undeployed"));

        var first = await Assert.ThrowsAsync<DistInferException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        var second = await Assert.ThrowsAsync<DistInferException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("model m was undeployed", first.Message);
        Assert.Equal("model m was undeployed", second.Message);
        Assert.Equal(0, batcher.Waiting);
    }

    [Fact]
    public async Task GenerateAsync_AfterStop_EndsWithTheStopReason()
    {
        // A front hands a request to the batcher it looked up just before an undeployment stopped it.
        var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), []);
        await batcher.StopAsync(new DistInferException("model m was undeployed"));

        var error = await Assert.ThrowsAsync<DistInferException>(() =>
            Collect(batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 3 })).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("model m was undeployed", error.Message);
        Assert.Equal(0, batcher.Waiting);
        await batcher.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task StopAsync_StepInFlightIgnoresTheStop_RunningSequenceReleasedAndLaterCancelDoesNotThrow()
    {
        // The fabric's executor finishes a step it began (its pipeline calls take no token); the loop then ends with
        // the sequence still running.
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        var executor = new FinishesStepsExecutor(gate);
        var batcher = new ContinuousBatcher(executor, []);
        using var caller = new CancellationTokenSource();
        var running = Collect(batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 5 }, caller.Token));
        await gate.StepWaiting.Task;

        var stop = batcher.StopAsync(new DistInferException("model m was undeployed"));
        gate.Allow(1);
        await stop;

        var error = await Assert.ThrowsAsync<DistInferException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("model m was undeployed", error.Message);
        Assert.Single(executor.Released);

        // The caller gives up afterwards (an HTTP request aborted, a session closed): its token's callback must not throw.
        caller.Cancel();
        await batcher.StopAsync(null);
    }

    /// <summary>Ignores the batcher's stop token, as the fabric's pipeline does; records the sequences released.</summary>
    private sealed class FinishesStepsExecutor(IBatchExecutor inner) : IBatchExecutor
    {
        public List<long> Released { get; } = [];

        public int VocabSize => inner.VocabSize;

        public ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken) => inner.ForwardAsync(step, CancellationToken.None);

        public ValueTask ReleaseAsync(long sequenceId)
        {
            Released.Add(sequenceId);
            return inner.ReleaseAsync(sequenceId);
        }
    }
}
