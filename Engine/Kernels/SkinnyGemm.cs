using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Products with a handful of rows in A (decode: one token, or a few). They are bound by reading B once, so
/// nothing is packed: B is streamed straight from its own layout with the work split over disjoint parts of B.
/// </summary>
internal static unsafe class SkinnyGemm
{
    /// <summary>Rows of A handled per pass over B; more rows read B more than once.</summary>
    public const int RowsPerPass = 4;

    /// <summary>Below this many B elements (1 MB, ~12 µs on one core) the pool hand-off costs more than a second core saves.</summary>
    private const long ParallelMinElements = 1 << 18;

    /// <summary>Parts per thread: a thread delayed by other processes leaves its later parts to the others.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Column chunk for the [k,n] layout: a C row of it stays in L2 and each B row is read in 32 KB runs.</summary>
    private const int ColumnChunk = 8192;

    public static void Run(in GemmOperands op, int threads)
    {
        long elements = (long)op.N * op.K;
        // [k,n] splits columns, so finer parts would shorten the contiguous runs read from each B row: one per thread.
        int parts = threads <= 1 || elements < ParallelMinElements
            ? 1
            : Math.Clamp(op.N / 64, 1, op.TransposeB ? threads * TasksPerThread : threads);
        if (parts <= 1)
        {
            RunRange(op, 0, op.N);
            return;
        }

        // Split at multiples of 16 columns so ranges start on cache-line boundaries of C (and of B when [k,n]).
        int step = ((op.N / parts) + 15) & ~15;
        GemmOperands operands = op;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int j0 = Math.Min(operands.N, t * step);
            int j1 = t == parts - 1 ? operands.N : Math.Min(operands.N, j0 + step);
            RunRange(operands, j0, j1);
        });
    }

    private static void RunRange(in GemmOperands op, int j0, int j1)
    {
        for (int i0 = 0; i0 < op.M; i0 += RowsPerPass)
        {
            int rows = Math.Min(RowsPerPass, op.M - i0);
            if (op.TransposeB)
            {
                DotRange(op, i0, rows, j0, j1);
            }
            else
            {
                AxpyRange(op, i0, rows, j0, j1);
            }
        }
    }

    /// <summary>B is [n,k]: every output is the dot product of an A row with a B row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotRange(in GemmOperands op, int i0, int rows, int j0, int j1)
    {
        float* a = op.A + (i0 * op.Lda);
        float* c = op.C + (i0 * op.Ldc);
        int k = op.K;
        if (rows == 1)
        {
            for (int j = j0; j < j1; j += 4)
            {
                // Past the end, repeat the last row: the extra dots are computed and discarded.
                float* b0 = op.B + (j * op.Ldb);
                float* b1 = op.B + (Math.Min(j + 1, j1 - 1) * op.Ldb);
                float* b2 = op.B + (Math.Min(j + 2, j1 - 1) * op.Ldb);
                float* b3 = op.B + (Math.Min(j + 3, j1 - 1) * op.Ldb);
                Dot1x4(a, b0, b1, b2, b3, k, out float d0, out float d1, out float d2, out float d3);
                int count = Math.Min(4, j1 - j);
                Put(c + j, d0, op.Accumulate);
                if (count > 1) Put(c + j + 1, d1, op.Accumulate);
                if (count > 2) Put(c + j + 2, d2, op.Accumulate);
                if (count > 3) Put(c + j + 3, d3, op.Accumulate);
            }

            return;
        }

        float* a0 = a, a1 = a + op.Lda, a2 = a + (Math.Min(2, rows - 1) * op.Lda), a3 = a + (Math.Min(3, rows - 1) * op.Lda);
        Span<float> d = stackalloc float[8];
        for (int j = j0; j < j1; j += 2)
        {
            float* b0 = op.B + (j * op.Ldb);
            float* b1 = op.B + (Math.Min(j + 1, j1 - 1) * op.Ldb);
            Dot4x2(a0, a1, a2, a3, b0, b1, k, d);
            int count = Math.Min(2, j1 - j);
            for (int i = 0; i < rows; i++)
            {
                float* ci = c + (i * op.Ldc) + j;
                Put(ci, d[2 * i], op.Accumulate);
                if (count > 1) Put(ci + 1, d[(2 * i) + 1], op.Accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, float value, bool accumulate) => *c = accumulate ? *c + value : value;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4(float* a, float* b0, float* b1, float* b2, float* b3, int k,
        out float d0, out float d1, out float d2, out float d3)
    {
        int w = Vector<float>.Count, p = 0;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; p + w <= k; p += w)
        {
            var av = Vector.Load(a + p);
            s0 = Vector.MultiplyAddEstimate(av, Vector.Load(b0 + p), s0);
            s1 = Vector.MultiplyAddEstimate(av, Vector.Load(b1 + p), s1);
            s2 = Vector.MultiplyAddEstimate(av, Vector.Load(b2 + p), s2);
            s3 = Vector.MultiplyAddEstimate(av, Vector.Load(b3 + p), s3);
        }

        d0 = Vector.Sum(s0);
        d1 = Vector.Sum(s1);
        d2 = Vector.Sum(s2);
        d3 = Vector.Sum(s3);
        for (; p < k; p++)
        {
            d0 += a[p] * b0[p];
            d1 += a[p] * b1[p];
            d2 += a[p] * b2[p];
            d3 += a[p] * b3[p];
        }
    }

    /// <summary>Dots of four A rows with two B rows into d[2i + j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2(float* a0, float* a1, float* a2, float* a3, float* b0, float* b1, int k, Span<float> d)
    {
        int w = Vector<float>.Count, p = 0;
        Vector<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector<float> s20 = default, s21 = default, s30 = default, s31 = default;
        for (; p + w <= k; p += w)
        {
            var v0 = Vector.Load(b0 + p);
            var v1 = Vector.Load(b1 + p);
            var av = Vector.Load(a0 + p);
            s00 = Vector.MultiplyAddEstimate(av, v0, s00);
            s01 = Vector.MultiplyAddEstimate(av, v1, s01);
            av = Vector.Load(a1 + p);
            s10 = Vector.MultiplyAddEstimate(av, v0, s10);
            s11 = Vector.MultiplyAddEstimate(av, v1, s11);
            av = Vector.Load(a2 + p);
            s20 = Vector.MultiplyAddEstimate(av, v0, s20);
            s21 = Vector.MultiplyAddEstimate(av, v1, s21);
            av = Vector.Load(a3 + p);
            s30 = Vector.MultiplyAddEstimate(av, v0, s30);
            s31 = Vector.MultiplyAddEstimate(av, v1, s31);
        }

        d[0] = Vector.Sum(s00);
        d[1] = Vector.Sum(s01);
        d[2] = Vector.Sum(s10);
        d[3] = Vector.Sum(s11);
        d[4] = Vector.Sum(s20);
        d[5] = Vector.Sum(s21);
        d[6] = Vector.Sum(s30);
        d[7] = Vector.Sum(s31);
        for (; p < k; p++)
        {
            d[0] += a0[p] * b0[p];
            d[1] += a0[p] * b1[p];
            d[2] += a1[p] * b0[p];
            d[3] += a1[p] * b1[p];
            d[4] += a2[p] * b0[p];
            d[5] += a2[p] * b1[p];
            d[6] += a3[p] * b0[p];
            d[7] += a3[p] * b1[p];
        }
    }

    /// <summary>
    /// B is [k,n]: each C row is a sum of B rows scaled by A entries. Eight B rows are folded in per pass over the
    /// C chunk (which stays in L2), so C is loaded and stored once per eight rows of B streamed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyRange(in GemmOperands op, int i0, int rows, int j0, int j1)
    {
        int k = op.K;
        for (int jc = j0; jc < j1; jc += ColumnChunk)
        {
            int width = Math.Min(ColumnChunk, j1 - jc);
            for (int i = 0; i < rows; i++)
            {
                float* a = op.A + ((i0 + i) * op.Lda);
                float* c = op.C + ((i0 + i) * op.Ldc) + jc;
                float* b = op.B + jc;
                int p = 0;
                if (!op.Accumulate)
                {
                    new Span<float>(c, width).Clear();
                }

                for (; p + 8 <= k; p += 8)
                {
                    Axpy8(c, width, a + p, b + (p * op.Ldb), op.Ldb);
                }

                for (; p < k; p++)
                {
                    Axpy1(c, width, a[p], b + (p * op.Ldb));
                }
            }
        }
    }

    /// <summary>c[0..width) += Σ s[r] · B row r for eight consecutive B rows (row stride ldb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy8(float* c, int width, float* s, float* b, nint ldb)
    {
        float* b0 = b, b1 = b + ldb, b2 = b + (2 * ldb), b3 = b + (3 * ldb);
        float* b4 = b + (4 * ldb), b5 = b + (5 * ldb), b6 = b + (6 * ldb), b7 = b + (7 * ldb);
        var v0 = new Vector<float>(s[0]);
        var v1 = new Vector<float>(s[1]);
        var v2 = new Vector<float>(s[2]);
        var v3 = new Vector<float>(s[3]);
        var v4 = new Vector<float>(s[4]);
        var v5 = new Vector<float>(s[5]);
        var v6 = new Vector<float>(s[6]);
        var v7 = new Vector<float>(s[7]);
        int w = Vector<float>.Count, j = 0;
        for (; j + w <= width; j += w)
        {
            // Two partial sums halve the dependent FMA chain.
            Vector<float> x = Vector.MultiplyAddEstimate(v0, Vector.Load(b0 + j), Vector.Load(c + j));
            Vector<float> y = Vector.Load(b1 + j) * v1;
            x = Vector.MultiplyAddEstimate(v2, Vector.Load(b2 + j), x);
            y = Vector.MultiplyAddEstimate(v3, Vector.Load(b3 + j), y);
            x = Vector.MultiplyAddEstimate(v4, Vector.Load(b4 + j), x);
            y = Vector.MultiplyAddEstimate(v5, Vector.Load(b5 + j), y);
            x = Vector.MultiplyAddEstimate(v6, Vector.Load(b6 + j), x);
            y = Vector.MultiplyAddEstimate(v7, Vector.Load(b7 + j), y);
            (x + y).Store(c + j);
        }

        for (; j < width; j++)
        {
            c[j] += (s[0] * b0[j]) + (s[1] * b1[j]) + (s[2] * b2[j]) + (s[3] * b3[j])
                + (s[4] * b4[j]) + (s[5] * b5[j]) + (s[6] * b6[j]) + (s[7] * b7[j]);
        }
    }

    private static void Axpy1(float* c, int width, float s, float* b)
    {
        var v = new Vector<float>(s);
        int w = Vector<float>.Count, j = 0;
        for (; j + w <= width; j += w)
        {
            Vector.MultiplyAddEstimate(v, Vector.Load(b + j), Vector.Load(c + j)).Store(c + j);
        }

        for (; j < width; j++)
        {
            c[j] += s * b[j];
        }
    }
}
