using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>Polled generations end when their client cancels or stops polling, not when the last token is decoded.</summary>
public sealed class GenerationSessionsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Cancel_RunningGeneration_CancelsItsTokenAndForgetsIt()
    {
        using var sessions = new GenerationSessions(_time, TimeSpan.FromMinutes(2));
        var generation = new EndlessGeneration();
        var id = sessions.Start("m", generation.RunAsync);
        await sessions.NextAsync(id, TimeSpan.FromSeconds(30));

        var cancelled = sessions.Cancel(id);

        Assert.True(cancelled);
        await generation.Cancelled.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, sessions.Count);
        Assert.False(sessions.Cancel(id));
        await Assert.ThrowsAsync<GenerationNotFoundException>(() => sessions.NextAsync(id, TimeSpan.Zero));
    }

    [Fact]
    public async Task Sweep_NotPolledForAbandonAfter_CancelledWhilePolledOneRuns()
    {
        using var sessions = new GenerationSessions(_time, TimeSpan.FromMinutes(2));
        var abandoned = new EndlessGeneration();
        var polled = new EndlessGeneration();
        var abandonedId = sessions.Start("m", abandoned.RunAsync);
        var polledId = sessions.Start("m", polled.RunAsync);
        await sessions.NextAsync(abandonedId, TimeSpan.FromSeconds(30));

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            await sessions.NextAsync(polledId, i == 0 ? TimeSpan.FromSeconds(30) : TimeSpan.Zero);
        }

        await abandoned.Cancelled.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(polled.Cancelled.IsCompleted);
        Assert.Equal(1, sessions.Count);
        var chunk = await sessions.NextAsync(polledId, TimeSpan.Zero);
        Assert.Null(chunk.FinishReason);
    }

    /// <summary>A zero wait gave up before looking (its timeout's token was cancelled at once): clients polling that way spun forever.</summary>
    [Fact]
    public async Task NextAsync_ZeroWaitTokensWaiting_ReturnsThemAndTheFinish()
    {
        using var sessions = new GenerationSessions(_time, TimeSpan.FromMinutes(2));
        var produced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async IAsyncEnumerable<TokenEvent> TwoTokens([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return new TokenEvent(5, 0, null, -0.1);
            yield return new TokenEvent(6, 1, FinishReason.Length, -0.2);
            produced.TrySetResult();
            await Task.CompletedTask;
        }

        var id = sessions.Start("m", TwoTokens);
        await produced.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var chunk = await sessions.NextAsync(id, TimeSpan.Zero);

        Assert.Equal([5, 6], chunk.Tokens);
        Assert.Equal("length", chunk.FinishReason);
        Assert.Equal(0, sessions.Count);
    }

    /// <summary>A generation that yields one token, then runs until its token is cancelled.</summary>
    private sealed class EndlessGeneration
    {
        private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Cancelled => _cancelled.Task;

        public async IAsyncEnumerable<TokenEvent> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using var registration = cancellationToken.Register(() => _cancelled.TrySetResult());
            yield return new TokenEvent(7, 1, null, -0.5);
            await _cancelled.Task;
        }
    }
}
