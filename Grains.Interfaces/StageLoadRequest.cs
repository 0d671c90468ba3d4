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

    /// <summary>The expert replicas the stage dispatches to, as in <see cref="DeploymentInfo.ExpertReplicaSet"/>.</summary>
    [Id(9)] public List<ExpertReplicaInfo> ExpertReplicaSet { get; init; } = [];

    /// <summary>A stage keeps the newest replica set it has seen, so a stale request cannot roll it back.</summary>
    [Id(10)] public long ReplicaSetVersion { get; init; }

    [Id(11)] public double CapacityFactor { get; init; }

    /// <summary>Silos that can read <see cref="ModelPath"/>, to ship weights from when this silo cannot.</summary>
    [Id(12)] public List<string> Sources { get; init; } = [];

    /// <summary>When the deployment this request belongs to was made: a stage refuses an older one with another plan.</summary>
    [Id(13)] public DateTime DeployedUtc { get; init; }
}
