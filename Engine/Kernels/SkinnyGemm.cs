using System.Buffers;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Products with a handful of rows in A (decode: one token, or a few). They are bound by reading B once, so
/// nothing is packed per call: B is streamed from its own layout (fp32 as stored, or <see cref="Bf16Panels"/>
/// widened in registers) with the work split over disjoint parts of B, handed to <see cref="SkinnyPool"/>'s
/// spinning helpers.
/// </summary>
internal static unsafe class SkinnyGemm
{
    /// <summary>Rows of A handled per pass over an fp32 B; more rows read B more than once.</summary>
    public const int RowsPerPass = 4;

    /// <summary>Below this many B bytes (~12 µs on one core) a hand-off costs more than a second core saves.</summary>
    private const long ParallelMinBytes = 1 << 20;

    /// <summary>Parts per thread: a thread delayed by other processes leaves its later parts to the others.</summary>
    private const int TasksPerThread = 4;

    public static void Run(in GemmOperands op, int threads) => Dispatch(new SkinnyJob(op, null, null, 0, 1, 0), threads);

    /// <summary>C[m,n] (+)= A[m,k] · Bᵀ with B as <see cref="Bf16Panels"/>; op.B is unused.</summary>
    public static void RunBf16(in GemmOperands op, Bf16Panels b, int threads)
    {
        var paddedK = b.PaddedColumns;
        var padded = ArrayPool<float>.Shared.Rent(op.M * paddedK);
        try
        {
            fixed (float* pa = padded)
            fixed (ushort* pb = b.Data)
            {
                for (var i = 0; i < op.M; i++)
                {
                    var row = new Span<float>(pa + (i * paddedK), paddedK);
                    new ReadOnlySpan<float>(op.A + (i * op.Lda), op.K).CopyTo(row);
                    row[op.K..].Clear();
                }

                Dispatch(new SkinnyJob(op, pb, pa, paddedK, 1, 0), threads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>Runs part <paramref name="part"/> of a split job (called by the pool's threads).</summary>
    public static void RunPart(in SkinnyJob job, int part)
    {
        var units = job.Units;
        var u0 = Math.Min(units, part * job.Step);
        var u1 = part == job.Parts - 1 ? units : Math.Min(units, u0 + job.Step);
        RunRange(job, u0, u1);
    }

    private static void Dispatch(SkinnyJob job, int threads)
    {
        var op = job.Op;
        var units = job.Units;
        var bytes = (long)op.N * op.K * (job.Panels == null ? sizeof(float) : sizeof(ushort));
        // [k,n] splits columns, so finer parts would shorten the contiguous runs read from each B row: one per thread.
        var parts = threads <= 1 || bytes < ParallelMinBytes
            ? 1
            : Math.Clamp(op.N / 64, 1, op.TransposeB || job.Panels != null ? threads * TasksPerThread : threads);
        if (parts <= 1)
        {
            RunRange(job, 0, units);
            return;
        }

        // fp32: split at multiples of 16 columns so ranges start on cache-line boundaries of C (and of B when [k,n]).
        var step = job.Panels == null ? ((units / parts) + 15) & ~15 : (units + parts - 1) / parts;
        parts = (units + step - 1) / step;
        var split = job.WithSplit(parts, step);
        if (threads >= SkinnyPool.Shared.Threads && SkinnyPool.Shared.TryRun(split))
        {
            return;
        }

        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => RunPart(split, t));
    }

    private static void RunRange(in SkinnyJob job, int u0, int u1)
    {
        var op = job.Op;
        if (job.Panels != null)
        {
            SkinnyDotBf16.DotGroups(op, job.Panels, job.PaddedK, job.APadded, u0, u1);
            return;
        }

        for (var i0 = 0; i0 < op.M; i0 += RowsPerPass)
        {
            var rows = Math.Min(RowsPerPass, op.M - i0);
            if (op.TransposeB)
            {
                SkinnyDot.DotRange(op, i0, rows, u0, u1);
            }
            else
            {
                SkinnyAxpy.AxpyRange(op, i0, rows, u0, u1);
            }
        }
    }
}
