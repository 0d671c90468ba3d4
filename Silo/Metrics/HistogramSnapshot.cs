namespace DistInfer.Silo.Metrics;

/// <summary>A histogram's values at one moment; <see cref="Counts"/> are per bucket, not cumulative.</summary>
public sealed record HistogramSnapshot(IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum, long Count);
