using System.Diagnostics;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Bench.Runtime;

/// <summary>Throughput with N calls in flight, and latency percentiles of sequential calls.</summary>
public static class Measurement
{
    public static async Task<double> ThroughputAsync(Func<int, Task> call, int inFlight, TimeSpan duration)
    {
        var (calls, elapsed) = await CountAsync(call, inFlight, duration).ConfigureAwait(false);
        return calls / elapsed.TotalSeconds;
    }

    public static async Task<(long Calls, TimeSpan Elapsed)> CountAsync(Func<int, Task> call, int inFlight, TimeSpan duration)
    {
        long completed = 0;
        var stop = Stopwatch.StartNew();
        var workers = new Task[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            // On the thread pool: calls that complete synchronously (local calls to idle grains) would otherwise
            // keep the first worker looping on this thread until the time is up.
            var worker = w;
            workers[w] = Task.Run(() => Worker(worker));
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return (Interlocked.Read(ref completed), stop.Elapsed);

        async Task Worker(int worker)
        {
            while (stop.Elapsed < duration)
            {
                await call(worker).ConfigureAwait(false);
                Interlocked.Increment(ref completed);
            }
        }
    }

    /// <summary>One round of a case: throughput, process CPU time, allocated bytes and GCs per call, then latency.</summary>
    public static async Task<Sample> SampleAsync(BenchCase c, TimeSpan duration, int latencySamples)
    {
        var process = Process.GetCurrentProcess();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var workItems = ThreadPool.CompletedWorkItemCount;
        var (sends, framesSent, receives, framesReceived) = (SocketStatistics.Sends, SocketStatistics.FramesSent, SocketStatistics.Receives, SocketStatistics.FramesReceived);
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var (calls, elapsed) = await CountAsync(c.Call, c.InFlight, duration).ConfigureAwait(false);
        process.Refresh();
        cpu = process.TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes(precise: false) - allocated;
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;
        workItems = ThreadPool.CompletedWorkItemCount - workItems;
        var perSend = (double)(SocketStatistics.FramesSent - framesSent) / (SocketStatistics.Sends - sends);
        var perReceive = (double)(SocketStatistics.FramesReceived - framesReceived) / (SocketStatistics.Receives - receives);
        var (p50, p99) = await LatencyAsync(c.Call, latencySamples).ConfigureAwait(false);
        return new Sample(calls / elapsed.TotalSeconds, cpu.TotalMicroseconds / calls, (double)allocated / calls, gen0, gen2, p50, p99, perSend, perReceive, (double)workItems / calls);
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

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
