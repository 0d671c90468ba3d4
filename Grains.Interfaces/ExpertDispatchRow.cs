using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What one stage's router sent to one expert replica: tokens dispatched and tokens still in flight.</summary>
[GenerateSerializer]
public sealed record ExpertDispatchRow
{
    [Id(0)] public string Key { get; init; } = "";
    [Id(1)] public int Layer { get; init; }
    [Id(2)] public int Expert { get; init; }
    [Id(3)] public int Replica { get; init; }
    [Id(4)] public long Dispatched { get; init; }
    [Id(5)] public long Outstanding { get; init; }
}
