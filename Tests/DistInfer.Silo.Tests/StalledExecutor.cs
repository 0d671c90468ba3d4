using DistInfer.Engine.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Never finishes a step until its batcher stops: the sequences a fixture starts on it stay held, so the model's
/// capacity is used up for as long as the tests run, without burning CPU.
/// </summary>
internal sealed class StalledExecutor(IBatchExecutor inner) : IBatchExecutor
{
    public int VocabSize => inner.VocabSize;

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new OperationCanceledException(cancellationToken);
    }

    public ValueTask ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
