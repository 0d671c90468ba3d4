using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What an expert grain loads: one expert of one layer.</summary>
[GenerateSerializer]
public sealed record ExpertLoadRequest
{
    [Id(0)] public required string ModelPath { get; init; }
    [Id(1)] public int Layer { get; init; }
    [Id(2)] public int Expert { get; init; }

    /// <summary>Silos that can read <see cref="ModelPath"/>, to ship weights from when this silo cannot.</summary>
    [Id(3)] public List<string> Sources { get; init; } = [];
}
