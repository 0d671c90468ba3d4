using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Key "{model}/{replica}/{stage}": a contiguous range of layers (attention, norms, router, dense MLPs) and the KV
/// caches of the sequences its pipeline replica serves; routed experts are expert grains.
/// </summary>
public interface IStageGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:10:00")]
    Task<StageStatus> Load(StageLoadRequest request);

    /// <summary>
    /// The direct-call transport (FabricOptions.Transport = DirectCalls): runs one micro-batch through this stage,
    /// hands its hidden states [N, H] to the next stage, and answers the last stage's last-token logits [B, V].
    /// Interleaved: while a micro-batch is further down the pipeline this stage already computes the next one (one
    /// at a time), so with m ≥ p micro-batches the stages overlap. The default transport is the activation stream
    /// (namespace "distinfer.activations", key = this stage's key) carrying <see cref="MicroBatch"/> items.
    /// </summary>
    /// <remarks>The answer is a fresh array no stage keeps, so a local caller takes it uncopied.</remarks>
    [AlwaysInterleave]
    [ResponseTimeout("00:05:00")]
    [return: Immutable]
    Task<float[]> Forward(StageStep step);

    Task Release(long[] sequenceIds);

    /// <summary>The model was undeployed: drops the weights and every KV cache, and deactivates.</summary>
    Task Unload();

    /// <summary>
    /// Whether this activation took micro-batch <paramref name="microBatchId"/> of the executor whose results key is
    /// <paramref name="replyTo"/> from its stream and has not yet handed it on (to the next stage, or its result to the
    /// executor): the executor's check for lost work.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> Holds(string replyTo, long microBatchId);

    [AlwaysInterleave]
    Task<StageStatus> Status();
}
