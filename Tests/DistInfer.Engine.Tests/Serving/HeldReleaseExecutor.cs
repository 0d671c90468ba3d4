using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>Holds the first cache release until the test lets it go: a stage whose silo hangs on a Release call.</summary>
internal sealed class HeldReleaseExecutor(IBatchExecutor inner) : IBatchExecutor
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _letGo = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _releases;

    public int VocabSize => inner.VocabSize;

    /// <summary>Completes when the first release has started (and is being held).</summary>
    public Task FirstReleaseEntered => _entered.Task;

    public void LetGo() => _letGo.TrySetResult();

    public ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken) => inner.ForwardAsync(step, cancellationToken);

    public async ValueTask ReleaseAsync(long sequenceId)
    {
        if (Interlocked.Increment(ref _releases) == 1)
        {
            _entered.TrySetResult();
            await _letGo.Task;
        }

        await inner.ReleaseAsync(sequenceId);
    }
}
