namespace DistInfer.Bench.Runtime;

/// <summary>One measured case: its call, how many calls run at once, and the case it is compared with (or null).</summary>
public sealed record BenchCase(string Name, Func<int, Task> Call, int InFlight, string? Baseline)
{
    public List<Sample> Samples { get; } = [];
}
