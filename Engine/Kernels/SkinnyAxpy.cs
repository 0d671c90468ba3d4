using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistInfer.Engine.Kernels;

/// <summary>Skinny products with fp32 B stored [k,n] (not transposed).</summary>
internal static unsafe class SkinnyAxpy
{
    /// <summary>Column chunk: a C row of it stays in L2 and each B row is read in 32 KB runs.</summary>
    private const int ColumnChunk = 8192;

    /// <summary>
    /// B is [k,n]: each C row is a sum of B rows scaled by A entries. Eight B rows are folded in per pass over the
    /// C chunk (which stays in L2), so C is loaded and stored once per eight rows of B streamed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AxpyRange(in GemmOperands op, int i0, int rows, int j0, int j1)
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
