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

    /// <summary>Hidden states [N, H] for the next stage, or last-token logits [B, V] from the last stage.</summary>
    Task<float[]> Forward(StageStep step);

    Task Release(long[] sequenceIds);

    [AlwaysInterleave]
    Task<StageStatus> Status();
}
