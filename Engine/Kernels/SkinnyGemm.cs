using System.Buffers;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Products with a handful of rows in A (decode: one token, or a few). They are bound by reading B once, so
/// nothing is packed: B is streamed straight from its own layout (fp32, or bf16 widened in registers) with the
/// work split over disjoint parts of B, handed to <see cref="SkinnyPool"/>'s spinning helpers.
/// </summary>
internal static unsafe class SkinnyGemm
{
    /// <summary>Rows of A handled per pass over B; more rows read B more than once.</summary>
    public const int RowsPerPass = 4;

    /// <summary>Below this many B elements (1 MB, ~12 µs on one core) a hand-off costs more than a second core saves.</summary>
    private const long ParallelMinElements = 1 << 18;

    /// <summary>Parts per thread: a thread delayed by other processes leaves its later parts to the others.</summary>
    private const int TasksPerThread = 4;

    public static void Run(in GemmOperands op, int threads) => Dispatch(new SkinnyJob(op, null, null, 1, op.N), threads);

    /// <summary>C[m,n] (+)= A[m,k] · Bᵀ with B bf16 [n,k] (row stride op.Ldb); op.B is unused.</summary>
    public static void RunBf16(in GemmOperands op, ushort* b16, int threads)
    {
        // A rows split into even and odd elements, so one 32-bit load of B yields two fp32 weights by a shift
        // and a mask, each multiplied by a contiguous vector of A: no shuffles in the loop.
        var half = op.K / 2;
        var split = ArrayPool<float>.Shared.Rent(Math.Max(1, 2 * half * op.M));
        try
        {
            fixed (float* s = split)
            {
                for (var i = 0; i < op.M; i++)
                {
                    var a = op.A + (i * op.Lda);
                    float* even = s + (2 * i * half), odd = even + half;
                    for (var p = 0; p < half; p++)
                    {
                        even[p] = a[2 * p];
                        odd[p] = a[(2 * p) + 1];
                    }
                }

                Dispatch(new SkinnyJob(op, b16, s, 1, op.N), threads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(split);
        }
    }

    /// <summary>Runs part <paramref name="part"/> of a split job (called by the pool's threads).</summary>
    public static void RunPart(in SkinnyJob job, int part)
    {
        var j0 = Math.Min(job.Op.N, part * job.Step);
        var j1 = part == job.Parts - 1 ? job.Op.N : Math.Min(job.Op.N, j0 + job.Step);
        RunRange(job, j0, j1);
    }

    private static void Dispatch(SkinnyJob job, int threads)
    {
        var op = job.Op;
        var elements = (long)op.N * op.K;
        // [k,n] splits columns, so finer parts would shorten the contiguous runs read from each B row: one per thread.
        var parts = threads <= 1 || elements < ParallelMinElements
            ? 1
            : Math.Clamp(op.N / 64, 1, op.TransposeB ? threads * TasksPerThread : threads);
        if (parts <= 1)
        {
            RunRange(job, 0, op.N);
            return;
        }

        // Split at multiples of 16 columns so ranges start on cache-line boundaries of C (and of B when [k,n]).
        var step = ((op.N / parts) + 15) & ~15;
        parts = (op.N + step - 1) / step;
        var split = job.WithSplit(parts, step);
        if (threads >= SkinnyPool.Shared.Threads && SkinnyPool.Shared.TryRun(split))
        {
            return;
        }

        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => RunPart(split, t));
    }

    private static void RunRange(in SkinnyJob job, int j0, int j1)
    {
        var op = job.Op;
        for (var i0 = 0; i0 < op.M; i0 += RowsPerPass)
        {
            var rows = Math.Min(RowsPerPass, op.M - i0);
            if (job.B16 != null)
            {
                SkinnyDotBf16.DotRange(op, job.B16, job.ASplit, i0, rows, j0, j1);
            }
            else if (op.TransposeB)
            {
                SkinnyDot.DotRange(op, i0, rows, j0, j1);
            }
            else
            {
                SkinnyAxpy.AxpyRange(op, i0, rows, j0, j1);
            }
        }
    }
}
