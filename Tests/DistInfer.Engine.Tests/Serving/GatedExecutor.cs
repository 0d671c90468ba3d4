using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>
/// Wraps an executor so a test decides when each step may run (no sleeps) and can inject a failure.
/// </summary>
internal sealed class GatedExecutor(IBatchExecutor inner) : IBatchExecutor
{
    private readonly SemaphoreSlim _permits = new(0);

    public int VocabSize => inner.VocabSize;

    public List<long[]> Steps { get; } = [];

    public Exception? FailNext { get; set; }

    /// <summary>Completes when a step has been entered and is waiting for a permit.</summary>
    public TaskCompletionSource StepWaiting { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released once each time a step enters: a test awaits it once per step, in order.</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    public void Allow(int steps = 1) => _permits.Release(steps);

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        StepWaiting.TrySetResult();
        Entered.Release();
        await _permits.WaitAsync(cancellationToken);
        StepWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Steps)
        {
            Steps.Add(step.SequenceIds);
        }

        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }

        return await inner.ForwardAsync(step, cancellationToken);
    }

    public ValueTask ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
