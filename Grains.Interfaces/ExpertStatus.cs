using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>An expert replica's placement and load.</summary>
[GenerateSerializer]
public sealed record ExpertStatus
{
    [Id(0)] public string Silo { get; init; } = "";
    [Id(1)] public bool Loaded { get; init; }
    [Id(2)] public long Tokens { get; init; }
    [Id(3)] public long Calls { get; init; }

    /// <summary>How this activation got its weights (bytes loaded, shipped); null before it loaded.</summary>
    [Id(4)] public WeightLoadProgress? Weights { get; init; }

    /// <summary>Time spent in calls' compute on this replica (the rest of a caller's call time is messaging and queueing).</summary>
    [Id(5)] public double ComputeSeconds { get; init; }

    /// <summary>
    /// Of <see cref="Tokens"/>, those run on these weights without a call to this grain: by stage grains of the same
    /// silo, or by the silo's <see cref="IExpertHostGrain"/> for a stage elsewhere that grouped its experts by silo.
    /// </summary>
    [Id(6)] public long ServedLocally { get; init; }
}
