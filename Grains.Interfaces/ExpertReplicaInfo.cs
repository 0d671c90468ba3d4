using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>One expert replica of a deployment: which expert it serves and its grain key (which carries its silo pin).</summary>
[GenerateSerializer]
public sealed record ExpertReplicaInfo
{
    [Id(0)] public int Layer { get; init; }
    [Id(1)] public int Expert { get; init; }
    [Id(2)] public int Replica { get; init; }

    /// <summary>The expert grain's key, "{model}/{layer}/{expert}/{replica}[@host:port]".</summary>
    [Id(3)] public string Key { get; init; } = "";

    /// <summary>The silo endpoint (host:port) the replica is pinned to; empty when placement chooses.</summary>
    [Id(4)] public string Pin { get; init; } = "";
}
