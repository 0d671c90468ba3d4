using System.Diagnostics;

namespace DistInfer.Bench.Runtime;

/// <summary>Throughput with N calls in flight, and latency percentiles of sequential calls.</summary>
public static class Measurement
{
    public static async Task<double> ThroughputAsync(Func<int, Task> call, int inFlight, TimeSpan duration)
    {
        long completed = 0;
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, inFlight).Select(async worker =>
        {
            while (stop.Elapsed < duration)
            {
                await call(worker).ConfigureAwait(false);
                Interlocked.Increment(ref completed);
            }
        }).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return completed / stop.Elapsed.TotalSeconds;
    }

    public static async Task<(double P50, double P99)> LatencyAsync(Func<int, Task> call, int count)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call(0).ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(samples);
        return (samples[count / 2], samples[(int)(count * 0.99)]);
    }

    public static async Task WarmAsync(Func<int, Task> call, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await call(i % 4).ConfigureAwait(false);
        }
    }
}
