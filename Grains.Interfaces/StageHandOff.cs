using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// What a stage on a draining silo leaves for its next activation: the load request it ran with and its sequences'
/// KV caches, so the sequences go on without a re-prefill.
/// </summary>
[GenerateSerializer]
public sealed record StageHandOff
{
    [Id(0)] public required StageLoadRequest Request { get; init; }
    [Id(1)] public List<SequenceKvState> Sequences { get; init; } = [];
}
