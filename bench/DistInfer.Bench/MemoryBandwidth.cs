using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Bench;

/// <summary>
/// Sustained main-memory bandwidth: a read (vector sum) and a copy over arrays far larger than the caches,
/// split over the given threads, so decode speed can be stated against what the machine can stream. The read
/// uses the widest vectors the JIT accelerates (64-byte loads with AVX-512), eight independent sums, and the
/// total is kept, so no load can be dropped; every page is written by the thread that later reads it first.
/// </summary>
internal static unsafe class MemoryBandwidth
{
    public readonly record struct Result(double ReadGBps, double ReadMedianGBps, double CopyGBps, long Bytes, int Threads);

    public static Result Probe(long bytes, int threads, int runs)
    {
        long count = bytes / sizeof(float);
        float* src = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        float* dst = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        try
        {
            // Touch every page first so the timings do not include page faults.
            Parallel.For(0, threads, options, t => Slice(src, count, threads, t).Fill(1f));
            Parallel.For(0, threads, options, t => Slice(dst, count, threads, t).Fill(0f));
            double sink = 0;
            var partial = new double[threads];
            Measure.Timing read = Measure.Run(() =>
            {
                Parallel.For(0, threads, options, t => partial[t] = Sum(Slice(src, count, threads, t)));
                foreach (double p in partial)
                {
                    sink += p;
                }
            }, runs, 0.3);
            Measure.Timing copy = Measure.Run(() => Parallel.For(0, threads, options,
                t => Slice(src, count, threads, t).CopyTo(Slice(dst, count, threads, t))), runs, 0.3);

            // Every element is 1, so the sums must add up to count per run: a check that every load happened.
            if (sink != (double)count * (read.Runs + 1))
            {
                throw new InvalidOperationException($"bandwidth probe summed {sink}, expected {(double)count * (read.Runs + 1)}");
            }

            double gb = count * sizeof(float) / 1e9;

            // A copy moves each byte twice (read + write), counted as such.
            return new Result(gb / read.BestSeconds, gb / read.MedianSeconds, 2 * gb / copy.BestSeconds, count * sizeof(float), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(src);
            NativeMemory.AlignedFree(dst);
        }
    }

    /// <summary>
    /// Seconds of each of <paramref name="passes"/> reads of a buffer of <paramref name="bytes"/>, one per call of
    /// <paramref name="between"/>'s loop: lets a benchmark interleave probe passes with its own runs, so both see
    /// the same load from other processes.
    /// </summary>
    public static double[] Interleaved(long bytes, int threads, int passes, Action between)
    {
        long count = bytes / sizeof(float);
        float* src = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        try
        {
            Parallel.For(0, threads, options, t => Slice(src, count, threads, t).Fill(1f));
            var partial = new double[threads];
            var seconds = new double[passes];
            for (int i = 0; i < passes; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                Parallel.For(0, threads, options, t => partial[t] = Sum(Slice(src, count, threads, t)));
                seconds[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (partial.Sum() != count)
                {
                    throw new InvalidOperationException($"bandwidth probe summed {partial.Sum()}, expected {count}");
                }

                between();
            }

            return seconds;
        }
        finally
        {
            NativeMemory.AlignedFree(src);
        }
    }

    private static Span<float> Slice(float* p, long count, int parts, int index)
    {
        long start = count * index / parts, end = count * (index + 1) / parts;
        return new Span<float>(p + start, checked((int)(end - start)));
    }

    private static double Sum(ReadOnlySpan<float> x)
    {
        fixed (float* p = x)
        {
            long i = 0, n = x.Length;
            double total = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // Sums stay below 2^24 per lane per block, so fp32 adds of 1.0 stay exact.
                const long block = 1 << 20;
                for (; i + 128 <= n;)
                {
                    Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                    Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
                    long end = Math.Min(n - 127, i + block);
                    for (; i < end; i += 128)
                    {
                        s0 += Vector512.Load(p + i);
                        s1 += Vector512.Load(p + i + 16);
                        s2 += Vector512.Load(p + i + 32);
                        s3 += Vector512.Load(p + i + 48);
                        s4 += Vector512.Load(p + i + 64);
                        s5 += Vector512.Load(p + i + 80);
                        s6 += Vector512.Load(p + i + 96);
                        s7 += Vector512.Load(p + i + 112);
                    }

                    total += Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
                }
            }
            else
            {
                int w = Vector<float>.Count;
                const long block = 1 << 20;
                for (; i + (4 * w) <= n;)
                {
                    Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                    long end = Math.Min(n - (4 * w) + 1, i + block);
                    for (; i < end; i += 4 * w)
                    {
                        s0 += Vector.Load(p + i);
                        s1 += Vector.Load(p + i + w);
                        s2 += Vector.Load(p + i + (2 * w));
                        s3 += Vector.Load(p + i + (3 * w));
                    }

                    total += Vector.Sum((s0 + s1) + (s2 + s3));
                }
            }

            for (; i < n; i++)
            {
                total += p[i];
            }

            return total;
        }
    }
}
