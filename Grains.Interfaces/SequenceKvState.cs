using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>One sequence's committed KV cache slots in a stage's layers, as a drained stage hands them over.</summary>
[GenerateSerializer]
public sealed record SequenceKvState
{
    [Id(0)] public long SequenceId { get; init; }

    /// <summary>Per committed slot: masked (padding) or not; its length is the sequence's cached length.</summary>
    [Id(1)] public bool[] Masked { get; init; } = [];

    /// <summary>Per layer of the stage: keys [slots, kv width].</summary>
    [Id(2)] public float[][] Keys { get; init; } = [];

    /// <summary>Per layer of the stage: values [slots, kv width].</summary>
    [Id(3)] public float[][] Values { get; init; } = [];
}
