using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Deploy a checkpoint directory as a named model: pipeline stages, pipeline replicas, expert replicas.</summary>
[GenerateSerializer]
public sealed record DeploymentRequest
{
    [Id(0)] public required string ModelPath { get; init; }
    [Id(1)] public int Stages { get; init; } = 1;
    [Id(2)] public int Replicas { get; init; } = 1;

    /// <summary>Replicas of every expert (the balancer adds more to hot experts later).</summary>
    [Id(3)] public int ExpertReplicas { get; init; } = 1;

    /// <summary>
    /// Switch capacity factor: an expert takes at most ceil(factor · tokens · topK / experts) of a routed block's
    /// tokens and the rest pass through the residual. 0 (the default) is dropless.
    /// </summary>
    [Id(4)] public double CapacityFactor { get; init; }
}
