namespace DistInfer.Engine.Kernels;

/// <summary>
/// Products with a handful of rows in A (decode: one token, or a few). They are bound by reading B once, so
/// nothing is packed per call: B is streamed from its own layout (fp32 as stored, or bf16 [n,k] widened in
/// registers) with the work split over disjoint parts of B, handed to <see cref="SkinnyPool"/>'s
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

    /// <summary>B bytes one block of columns spans when many rows pass over it (well inside a core's L2).</summary>
    private const long BlockBytes = 192 * 1024;

    /// <summary>C (+)= A · B with B fp32 (either layout) or bf16 [n,k] (<see cref="GemmOperands.B16"/>).</summary>
    public static void Run(in GemmOperands op, int threads) => Dispatch(new SkinnyJob(op, 1, 0), threads);

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
        // Each pass of four rows reads B once more (from cache when rows are many): many rows are worth a split too.
        var bytes = (long)op.N * op.K * (op.B16 == null ? sizeof(float) : sizeof(ushort)) * ((op.M + RowsPerPass - 1) / RowsPerPass);
        // [k,n] splits columns, so finer parts would shorten the contiguous runs read from each B row: one per thread.
        var parts = threads <= 1 || bytes < ParallelMinBytes
            ? 1
            : Math.Clamp(op.N / 64, 1, op.TransposeB ? threads * TasksPerThread : threads);
        if (parts <= 1)
        {
            RunRange(job, 0, units);
            return;
        }

        // Split at multiples of 16 columns so ranges start on cache-line boundaries of C (and of B when [k,n]).
        var step = ((units / parts) + 15) & ~15;
        parts = (units + step - 1) / step;
        var split = job.WithSplit(parts, step);
        if (threads >= SkinnyPool.Shared.Threads && SkinnyPool.Shared.TryRun(split))
        {
            return;
        }

        RunOnThreadPool(split, threads);
    }

    /// <summary>Its own method: a lambda's captures in Dispatch would allocate on every call, pool or not.</summary>
    private static void RunOnThreadPool(SkinnyJob split, int threads) =>
        Parallel.For(0, split.Parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => RunPart(split, t));

    private static void RunRange(in SkinnyJob job, int u0, int u1)
    {
        var op = job.Op;
        if (op.M <= RowsPerPass)
        {
            RunRows(op, 0, op.M, u0, u1);
            return;
        }

        // Many rows (batch-invariant products): every pass of rows reuses one cache-sized block of B before the
        // next, so B streams from memory once, not once per pass. Each C element is still one whole dot product
        // computed as with one row, so a row's result does not depend on the others.
        var bytesPerColumn = (long)op.K * (op.B16 == null ? sizeof(float) : sizeof(ushort));
        // Whole multiples of 16 columns: the [k,n] kernel sums a range's last columns (past its vector width) in
        // another order, so a block must end on a vector boundary to give what one-row products give.
        var block = (int)Math.Clamp(BlockBytes / bytesPerColumn, 16, int.MaxValue) & ~15;
        for (var j0 = u0; j0 < u1; j0 += block)
        {
            RunRows(op, 0, op.M, j0, Math.Min(u1, j0 + block));
        }
    }

    private static void RunRows(in GemmOperands op, int firstRow, int endRow, int u0, int u1)
    {
        for (var i0 = firstRow; i0 < endRow; i0 += RowsPerPass)
        {
            var rows = Math.Min(RowsPerPass, endRow - i0);
            if (op.B16 != null)
            {
                SkinnyDotBf16.DotRange(op, i0, rows, u0, u1);
            }
            else if (op.TransposeB)
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
