using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A deployed model: its plan and shape.</summary>
[GenerateSerializer]
public sealed record DeploymentInfo
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required string ModelPath { get; init; }
    [Id(2)] public int Stages { get; init; }
    [Id(3)] public int Replicas { get; init; }
    [Id(4)] public int ExpertReplicas { get; init; }

    /// <summary>First layer of each stage, then the layer count: stage s holds [Boundaries[s], Boundaries[s+1]).</summary>
    [Id(5)] public List<int> Boundaries { get; init; } = [];
    [Id(6)] public int NumLayers { get; init; }
    [Id(7)] public int NumExperts { get; init; }
    [Id(8)] public int VocabSize { get; init; }
    [Id(9)] public int HiddenSize { get; init; }

    /// <summary>Layers with routed experts.</summary>
    [Id(10)] public List<int> MoeLayers { get; init; } = [];
    [Id(11)] public List<int> EosTokenIds { get; init; } = [];
    [Id(12)] public DateTime DeployedUtc { get; init; }

    /// <summary>Replica count per (moe layer index in <see cref="MoeLayers"/>, expert), flattened.</summary>
    [Id(13)] public List<int> ExpertReplicaCounts { get; init; } = [];

    /// <summary>Every expert replica and its grain key; the balancer replaces it (and bumps <see cref="ReplicaSetVersion"/>).</summary>
    [Id(14)] public List<ExpertReplicaInfo> ExpertReplicaSet { get; init; } = [];

    /// <summary>Incremented each time the balancer changes <see cref="ExpertReplicaSet"/>.</summary>
    [Id(15)] public long ReplicaSetVersion { get; init; }

    /// <summary>Switch capacity factor of the MoE layers; 0 is dropless.</summary>
    [Id(16)] public double CapacityFactor { get; init; }

    /// <summary>Silos that can read <see cref="ModelPath"/>: the others ship weights from them (see IModelFileGrain).</summary>
    [Id(17)] public List<string> Sources { get; init; } = [];

    /// <summary>The model's max_position_embeddings: prompt plus new tokens must fit (0: unknown, not checked).</summary>
    [Id(18)] public int MaxPositionEmbeddings { get; init; }

    /// <summary>
    /// The checkpoint's <see cref="ModelManifest.ContentFingerprint"/>: a redeployment under this name must bring the
    /// same one (its path may differ). Empty in a record from a silo that predates it.
    /// </summary>
    [Id(19)] public string CheckpointFingerprint { get; init; } = "";

    /// <summary>
    /// True in the record an undeployment leaves on every silo (with a higher <see cref="ReplicaSetVersion"/>), so a
    /// registry re-activating elsewhere finds the model gone rather than an older copy; a new deployment outranks it.
    /// </summary>
    [Id(20)] public bool Retired { get; init; }

    public int ReplicasOf(int moeLayerIndex, int expert) => ExpertReplicaCounts[moeLayerIndex * NumExperts + expert];
}
