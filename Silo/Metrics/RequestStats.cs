namespace DistInfer.Silo.Metrics;

/// <summary>Request statistics shown by the dashboard, computed when asked.</summary>
public sealed class RequestStats
{
    public double RequestsPerSecond { get; init; }
    public double TokensPerSecond { get; init; }
    public double P50LatencySeconds { get; init; }
    public double P99LatencySeconds { get; init; }
    public long RequestsTotal { get; init; }
    public long ErrorsTotal { get; init; }
    public long Running { get; init; }
    public long Waiting { get; init; }

    /// <summary>Requests finished in each of the last seconds, oldest first.</summary>
    public IReadOnlyList<long> RequestsHistory { get; init; } = [];

    /// <summary>Tokens generated in each of the last seconds, oldest first.</summary>
    public IReadOnlyList<long> TokensHistory { get; init; } = [];
}
