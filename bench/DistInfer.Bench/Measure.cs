using System.Diagnostics;

namespace DistInfer.Bench;

/// <summary>Runs an action repeatedly and reports the best and median wall time.</summary>
internal static class Measure
{
    public readonly record struct Timing(double BestSeconds, double MedianSeconds, int Runs);

    /// <summary>Warms up once, then runs at least <paramref name="minRuns"/> times and at least <paramref name="minSeconds"/>.</summary>
    public static Timing Run(Action action, int minRuns, double minSeconds = 0.5, int maxRuns = 1000)
    {
        action();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < maxRuns && (samples.Count < minRuns || total.Elapsed.TotalSeconds < minSeconds))
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        samples.Sort();
        return new Timing(samples[0], samples[samples.Count / 2], samples.Count);
    }
}
