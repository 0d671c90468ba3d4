using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>Wraps an executor and records the logits arrays it returned and those handed back through Recycle.</summary>
internal sealed class RecyclingExecutor(IBatchExecutor inner) : IBatchExecutor
{
    public int VocabSize => inner.VocabSize;

    public List<float[]> Returned { get; } = [];

    public List<float[]> Recycled { get; } = [];

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        var logits = await inner.ForwardAsync(step, cancellationToken);
        lock (Returned)
        {
            Returned.Add(logits);
        }

        return logits;
    }

    public void Recycle(float[] logits)
    {
        lock (Returned)
        {
            Recycled.Add(logits);
        }

        inner.Recycle(logits);
    }

    public ValueTask ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
