namespace DistInfer.Cli;

/// <summary>One bench request: its timings when it completed, or the error that ended it.</summary>
internal sealed class BenchRequestResult
{
    public string? Error { get; init; }
    public double TimeToFirstTokenMs { get; init; }
    public double EndToEndMs { get; init; }
    public int Tokens { get; init; }
    public List<double> InterTokenMs { get; init; } = [];
}
