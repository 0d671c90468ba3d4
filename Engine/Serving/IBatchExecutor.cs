namespace DistInfer.Engine.Serving;

/// <summary>
/// Runs ragged batch steps for a set of sequences whose KV caches it keeps, keyed by sequence id. In-process this is
/// one <see cref="Model.TransformerModel"/>; in the fabric it is a pipeline of stage grains.
/// </summary>
public interface IBatchExecutor
{
    int VocabSize { get; }

    /// <summary>Appends each sequence's tokens to its cache (creating it on first use) and returns last-token logits [B, V].</summary>
    ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken);

    /// <summary>
    /// The caller is done with logits this executor returned (it neither reads nor keeps them): the executor may use
    /// the array again. Optional; arrays never handed back are collected.
    /// </summary>
    void Recycle(float[] logits)
    {
    }

    /// <summary>Frees a sequence's KV cache.</summary>
    ValueTask ReleaseAsync(long sequenceId);
}
