using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>A request's sequences are admitted all together or not at all.</summary>
public sealed class ContinuousBatcherAdmissionTests
{
    private static readonly int[] Prompt = [218, 392, 167, 486, 68];

    private static SequenceRequest[] Sequences(int count, int tokens = 3) =>
        [.. Enumerable.Range(0, count).Select(_ => new SequenceRequest(Prompt, new SamplingParams { MaxNewTokens = tokens }))];

    [Fact]
    public async Task GenerateAll_MoreThanFitBesideThoseHeld_ThrowsOverCapacityAndQueuesNone()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, [], new BatcherOptions { MaxRunning = 1, MaxWaiting = 2 });
        _ = batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 5 });
        await gate.StepWaiting.Task; // one of the 3 places is taken

        var error = Assert.Throws<OverCapacityException>(() => batcher.GenerateAll(Sequences(3)));

        Assert.Contains("over capacity", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, batcher.Waiting);
        var admitted = batcher.GenerateAll(Sequences(2));
        Assert.Equal(2, batcher.Waiting);
        gate.Allow(100);
        foreach (var tokens in admitted)
        {
            Assert.Equal(3, await tokens.CountAsync(e => e.TokenId >= 0));
        }
    }

    [Fact]
    public async Task GenerateAll_WaitingSequenceCancelledBehindAFullBatch_ItsPlaceIsFreeAtOnce()
    {
        var gate = new GatedExecutor(new LocalBatchExecutor(FixtureModels.Load("mixtral")));
        await using var batcher = new ContinuousBatcher(gate, [], new BatcherOptions { MaxRunning = 1, MaxWaiting = 1 });
        var running = batcher.GenerateAsync(Prompt, new SamplingParams { MaxNewTokens = 5 });
        await gate.StepWaiting.Task; // the batch is full and stays so until the gate opens
        using var leaving = new CancellationTokenSource();
        var waiting = batcher.GenerateAll([new SequenceRequest(Prompt, new SamplingParams { MaxNewTokens = 3 }, leaving.Token)]);

        await leaving.CancelAsync();
        // Before, the cancelled sequence held its place until it reached the head of the queue: this was a 429.
        var next = batcher.GenerateAll(Sequences(1));

        gate.Allow(100);
        Assert.Equal(5, await running.CountAsync(e => e.TokenId >= 0));
        Assert.Equal(3, await next[0].CountAsync(e => e.TokenId >= 0));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting[0].CountAsync());
    }

    [Fact]
    public async Task GenerateAll_MoreThanCapacity_ThrowsTooManySequencesOnAnIdleBatcher()
    {
        await using var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), [], new BatcherOptions { MaxRunning = 2, MaxWaiting = 3 });

        var error = Assert.Throws<TooManySequencesException>(() => batcher.GenerateAll(Sequences(6)));

        Assert.Equal(5, error.Capacity);
        Assert.Contains("at most 5", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, batcher.Waiting + batcher.Running);
        Assert.Equal(0, batcher.Steps);
    }

    [Fact]
    public async Task GenerateAll_MoreThanTheQueueButWithinCapacity_AllRunToTheEnd()
    {
        // Before, each sequence was checked against the queue alone: the fifth of five was refused while four waited.
        await using var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), [], new BatcherOptions { MaxRunning = 2, MaxWaiting = 3 });

        var streams = batcher.GenerateAll(Sequences(5));

        foreach (var tokens in streams)
        {
            Assert.Equal(3, await tokens.CountAsync(e => e.TokenId >= 0));
        }
    }

    [Fact]
    public async Task GenerateAll_FinishedSequences_FreeTheirPlaces()
    {
        await using var batcher = new ContinuousBatcher(new LocalBatchExecutor(FixtureModels.Load("mixtral")), [], new BatcherOptions { MaxRunning = 1, MaxWaiting = 1 });
        foreach (var tokens in batcher.GenerateAll(Sequences(2)))
        {
            await tokens.CountAsync();
        }

        var again = batcher.GenerateAll(Sequences(2));

        Assert.Equal(2, again.Count);
        foreach (var tokens in again)
        {
            Assert.Equal(3, await tokens.CountAsync(e => e.TokenId >= 0));
        }
    }
}
