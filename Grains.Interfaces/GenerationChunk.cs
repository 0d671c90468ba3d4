using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Tokens produced since the previous poll; <see cref="FinishReason"/> is set on the last chunk.</summary>
[GenerateSerializer]
public sealed record GenerationChunk
{
    [Id(0)] public int[] Tokens { get; init; } = [];
    [Id(1)] public string? FinishReason { get; init; }
}
