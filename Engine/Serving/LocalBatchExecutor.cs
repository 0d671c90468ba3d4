using System.Collections.Concurrent;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Serving;

/// <summary>Executes batch steps on a whole model in this process; one KV cache per live sequence.</summary>
public sealed class LocalBatchExecutor(TransformerModel model) : IBatchExecutor
{
    private readonly ConcurrentDictionary<long, SequenceKvCache> _caches = new();

    public TransformerModel Model { get; } = model;

    public int VocabSize => Model.Config.VocabSize;

    public int LiveSequences => _caches.Count;

    /// <summary>Whether a KV cache of <paramref name="sequenceId"/> is held.</summary>
    public bool Holds(long sequenceId) => _caches.ContainsKey(sequenceId);

    public ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        var caches = new SequenceKvCache[step.SequenceIds.Length];
        for (var s = 0; s < caches.Length; s++)
        {
            caches[s] = _caches.GetOrAdd(step.SequenceIds[s], _ => Model.CreateCache(step.Counts[s] + 64));
        }

        var logits = LogitsPool.Rent(step.SequenceIds.Length * Model.Config.VocabSize);
        Model.Forward(new BatchLayout(caches, step.Counts, step.Masked), step.Tokens, allPositions: false, logits);
        return ValueTask.FromResult(logits);
    }

    public void Recycle(float[] logits) => LogitsPool.Return(logits);

    public ValueTask ReleaseAsync(long sequenceId)
    {
        _caches.TryRemove(sequenceId, out _);
        return ValueTask.CompletedTask;
    }
}
