using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Load of one expert replica (one expert slot) since the balancer's last reset.</summary>
[GenerateSerializer]
public sealed record ExpertLoadRow
{
    [Id(0)] public int Layer { get; init; }
    [Id(1)] public int Expert { get; init; }
    [Id(2)] public int Replica { get; init; }
    [Id(3)] public string Key { get; init; } = "";
    [Id(4)] public string Silo { get; init; } = "";

    /// <summary>Tokens the replica served since the last reset.</summary>
    [Id(5)] public long Tokens { get; init; }

    /// <summary>Tokens routed to it and not yet answered, over every stage.</summary>
    [Id(6)] public long Outstanding { get; init; }
}
