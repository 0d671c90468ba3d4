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
}
