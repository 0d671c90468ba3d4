using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What an undeployment released.</summary>
[GenerateSerializer]
public sealed record UndeployResult
{
    [Id(0)] public required string Name { get; init; }

    /// <summary>Pipeline stage activations told to drop their weights and KV caches.</summary>
    [Id(1)] public int Stages { get; init; }

    /// <summary>Expert replica activations retired.</summary>
    [Id(2)] public int Experts { get; init; }

    /// <summary>Requests still running (or queued) when the drain time ran out, ended with an error naming the model.</summary>
    [Id(3)] public int Cancelled { get; init; }

    /// <summary>Silos whose front could not be told within the drain time plus a margin (unreachable or leaving).</summary>
    [Id(4)] public List<string> Unreached { get; init; } = [];
}
