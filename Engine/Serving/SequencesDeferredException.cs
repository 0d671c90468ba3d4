namespace DistInfer.Engine.Serving;

/// <summary>
/// Thrown by <see cref="IBatchExecutor.ForwardAsync"/> when new sequences of a step could not start (a stage holds
/// as many KV caches as it may): the step ran for the other sequences, whose logits rows <see cref="Logits"/> holds
/// ([B, V] in the step's order, the deferred rows unset). The batcher queues the deferred sequences again and tries
/// them after <see cref="BatcherOptions.DeferredRetryDelay"/>; nothing of theirs was kept.
/// </summary>
public sealed class SequencesDeferredException(string message, IReadOnlyCollection<long> sequenceIds, float[] logits) : DistInferException(message)
{
    public IReadOnlyCollection<long> SequenceIds { get; } = sequenceIds;

    public float[] Logits { get; } = logits;
}
