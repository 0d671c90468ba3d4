using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A tensor of a checkpoint: safetensors dtype name ("BF16"...), shape and byte length.</summary>
[GenerateSerializer]
public sealed record ModelTensorEntry
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string DType { get; init; } = "";
    [Id(2)] public List<long> Shape { get; init; } = [];
    [Id(3)] public long ByteLength { get; init; }
}
