using System.Numerics;
using System.Runtime.InteropServices;

namespace DistInfer.Bench;

/// <summary>
/// Sustained main-memory bandwidth: a read (vector sum) and a copy over arrays far larger than the caches,
/// split over the given threads, so decode speed can be stated against what the machine can stream.
/// </summary>
internal static unsafe class MemoryBandwidth
{
    public readonly record struct Result(double ReadGBps, double CopyGBps, long Bytes, int Threads);

    public static Result Probe(long bytes, int threads, int runs)
    {
        long count = bytes / sizeof(float);
        float* src = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        float* dst = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        try
        {
            // Touch every page first so the timings do not include page faults.
            new Span<float>(src, (int)Math.Min(count, int.MaxValue)).Fill(1f);
            Parallel.For(0, threads, t => Slice(dst, count, threads, t).Fill(0f));
            float sink = 0;
            Measure.Timing read = Measure.Run(() =>
            {
                float total = 0;
                var partial = new float[threads];
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => partial[t] = Sum(Slice(src, count, threads, t)));
                foreach (float p in partial)
                {
                    total += p;
                }

                sink += total;
            }, runs, 0.3);
            Measure.Timing copy = Measure.Run(() => Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => Slice(src, count, threads, t).CopyTo(Slice(dst, count, threads, t))), runs, 0.3);
            GC.KeepAlive(sink);
            double gb = count * sizeof(float) / 1e9;

            // A copy moves each byte twice (read + write), counted as such.
            return new Result(gb / read.BestSeconds, 2 * gb / copy.BestSeconds, count * sizeof(float), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(src);
            NativeMemory.AlignedFree(dst);
        }
    }

    private static Span<float> Slice(float* p, long count, int parts, int index)
    {
        long start = count * index / parts, end = count * (index + 1) / parts;
        return new Span<float>(p + start, checked((int)(end - start)));
    }

    private static float Sum(ReadOnlySpan<float> x)
    {
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int w = Vector<float>.Count, i = 0;
        ReadOnlySpan<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(x);
        for (; i + 4 <= v.Length; i += 4)
        {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }

        float total = Vector.Sum(s0 + s1 + s2 + s3);
        for (i *= w; i < x.Length; i++)
        {
            total += x[i];
        }

        return total;
    }
}
