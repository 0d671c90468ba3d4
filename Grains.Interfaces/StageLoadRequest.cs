using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What a stage grain loads: its layer range of a deployed model.</summary>
[GenerateSerializer]
public sealed record StageLoadRequest
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public required string ModelPath { get; init; }
    [Id(2)] public int Replica { get; init; }
    [Id(3)] public int Stage { get; init; }
    [Id(4)] public int FirstLayer { get; init; }
    [Id(5)] public int EndLayer { get; init; }
    [Id(6)] public bool Embedding { get; init; }
    [Id(7)] public bool Head { get; init; }

    /// <summary>Replica count per (MoE layer ordinal, expert), as in <see cref="DeploymentInfo.ExpertReplicaCounts"/>.</summary>
    [Id(8)] public List<int> ExpertReplicaCounts { get; init; } = [];

    /// <summary>Silos that can read <see cref="ModelPath"/>, to ship weights from when this silo cannot.</summary>
    [Id(9)] public List<string> Sources { get; init; } = [];
}
