using System.Collections.Concurrent;

namespace DistInfer.Silo.Metrics;

/// <summary>Counters and latency histograms of one model.</summary>
public sealed class ModelRequestMetrics
{
    // Bucket bounds in seconds, spanning a fast small model on one core to long generations of a large one.
    internal static readonly double[] TimeToFirstTokenBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    internal static readonly double[] InterTokenBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10];
    internal static readonly double[] EndToEndBounds = [0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 60, 120, 240, 480, 960];

    private long _promptTokens;
    private long _generationTokens;

    public Histogram TimeToFirstToken { get; } = new(TimeToFirstTokenBounds);
    public Histogram InterTokenLatency { get; } = new(InterTokenBounds);
    public Histogram EndToEndLatency { get; } = new(EndToEndBounds);

    /// <summary>Successful requests per finish reason ("stop", "length").</summary>
    public ConcurrentDictionary<string, long> Successes { get; } = new(StringComparer.Ordinal);

    public long PromptTokens => Interlocked.Read(ref _promptTokens);
    public long GenerationTokens => Interlocked.Read(ref _generationTokens);

    public void AddPromptTokens(long n) => Interlocked.Add(ref _promptTokens, n);
    public void AddGenerationTokens(long n) => Interlocked.Add(ref _generationTokens, n);
}
