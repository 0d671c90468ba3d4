namespace DistInfer.Cli;

/// <summary>Percentiles of one latency, in milliseconds (nearest rank); all zero when there were no samples.</summary>
internal sealed record LatencySummary(int Samples, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Of(List<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        var sorted = milliseconds.ToArray();
        Array.Sort(sorted);
        var sum = 0.0;
        foreach (var v in sorted)
        {
            sum += v;
        }

        return new LatencySummary(sorted.Length, sum / sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    /// <summary>The smallest sample with at least fraction q of the samples at or below it.</summary>
    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
