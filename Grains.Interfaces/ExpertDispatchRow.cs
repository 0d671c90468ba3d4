using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// What one stage's router sent to one expert replica: tokens dispatched and still in flight, and the calls it made with
/// their total wall time as the stage saw it (less the expert's own compute time, what the call itself cost).
/// </summary>
[GenerateSerializer]
public sealed record ExpertDispatchRow
{
    [Id(0)] public string Key { get; init; } = "";
    [Id(1)] public int Layer { get; init; }
    [Id(2)] public int Expert { get; init; }
    [Id(3)] public int Replica { get; init; }
    [Id(4)] public long Dispatched { get; init; }
    [Id(5)] public long Outstanding { get; init; }
    [Id(6)] public long Calls { get; init; }
    [Id(7)] public double CallSeconds { get; init; }
}
