using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Generated tokens per prompt and why each stopped ("stop", "length", "cancelled").</summary>
[GenerateSerializer]
public sealed record GenerateResponse
{
    [Id(0)] public List<int[]> Generated { get; init; } = [];
    [Id(1)] public List<string> FinishReasons { get; init; } = [];
}
