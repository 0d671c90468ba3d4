using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Copies blocks of A and B into the interleaved layouts the micro-kernels stream: A as strips of
/// <c>mr</c> rows stored k-major ([p][mr]), B as strips of <c>nr</c> columns stored k-major ([p][nr]).
/// Strips are zero-padded to full width so the kernels never need edge cases.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [0, mc) × columns [0, kc) of A (row stride lda) into ceil(mc/mr) strips.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* dst, float* a, nint lda, int mc, int kc, int mr)
    {
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* src = a + (i0 * lda);
            if (rows == 6 && mr == 6)
            {
                PackA6(dst, src, lda, kc);
            }
            else
            {
                for (int i = 0; i < mr; i++)
                {
                    float* d = dst + i;
                    if (i < rows)
                    {
                        float* s = src + (i * lda);
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * mr] = s[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * mr] = 0f;
                        }
                    }
                }
            }

            dst += mr * kc;
        }
    }

    /// <summary>
    /// Six rows → k-major groups of six. Eight k steps at a time go through an 8×8 register transpose (two zero
    /// rows); each 8-float store spills two floats into the next k step's group, which a later store overwrites.
    /// The last k step always goes through the scalar tail so nothing is written past the strip (threads pack
    /// neighbouring blocks concurrently).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA6(float* dst, float* src, nint lda, int kc)
    {
        float* r0 = src, r1 = src + lda, r2 = src + (2 * lda), r3 = src + (3 * lda), r4 = src + (4 * lda), r5 = src + (5 * lda);
        int p = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; p + 8 < kc; p += 8)
            {
                Vector256<float> v0 = Vector256.Load(r0 + p), v1 = Vector256.Load(r1 + p), v2 = Vector256.Load(r2 + p);
                Vector256<float> v3 = Vector256.Load(r3 + p), v4 = Vector256.Load(r4 + p), v5 = Vector256.Load(r5 + p);
                Vector256<float> v6 = default, v7 = default;
                Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                float* d = dst + (p * 6);
                v0.Store(d);
                v1.Store(d + 6);
                v2.Store(d + 12);
                v3.Store(d + 18);
                v4.Store(d + 24);
                v5.Store(d + 30);
                v6.Store(d + 36);
                v7.Store(d + 42);
            }
        }

        for (; p < kc; p++)
        {
            float* d = dst + (p * 6);
            d[0] = r0[p];
            d[1] = r1[p];
            d[2] = r2[p];
            d[3] = r3[p];
            d[4] = r4[p];
            d[5] = r5[p];
        }
    }

    /// <summary>
    /// Packs the kc × nc block of B starting at <paramref name="b"/>: when <paramref name="transposed"/> B is
    /// stored [n,k] (row j holds column j of the product), else [k,n].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* dst, float* b, nint ldb, bool transposed, int kc, int nc, int nr)
    {
        if (!transposed)
        {
            PackBRows(dst, b, ldb, kc, nc, nr);
            return;
        }

        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            PackBTransposedStrip(dst, b + (j0 * ldb), ldb, kc, Math.Min(nr, nc - j0), nr);
            dst += nr * kc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedStrip(float* dst, float* b, nint ldb, int kc, int cols, int nr)
    {
        int j = 0;
        if (nr % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= cols; j += 8)
            {
                Transpose8Rows(dst + j, b + (j * ldb), ldb, kc, nr);
            }
        }

        for (; j < nr; j++)
        {
            float* d = dst + j;
            if (j < cols)
            {
                float* s = b + (j * ldb);
                for (int p = 0; p < kc; p++)
                {
                    d[p * nr] = s[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    d[p * nr] = 0f;
                }
            }
        }
    }

    /// <summary>Eight source rows → eight packed columns, 8×8 blocks transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8Rows(float* dst, float* s, nint ldb, int kc, int nr)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> r0 = Vector256.Load(s + p);
            Vector256<float> r1 = Vector256.Load(s + ldb + p);
            Vector256<float> r2 = Vector256.Load(s + (2 * ldb) + p);
            Vector256<float> r3 = Vector256.Load(s + (3 * ldb) + p);
            Vector256<float> r4 = Vector256.Load(s + (4 * ldb) + p);
            Vector256<float> r5 = Vector256.Load(s + (5 * ldb) + p);
            Vector256<float> r6 = Vector256.Load(s + (6 * ldb) + p);
            Vector256<float> r7 = Vector256.Load(s + (7 * ldb) + p);
            Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* d = dst + (p * nr);
            r0.Store(d);
            r1.Store(d + nr);
            r2.Store(d + (2 * nr));
            r3.Store(d + (3 * nr));
            r4.Store(d + (4 * nr));
            r5.Store(d + (5 * nr));
            r6.Store(d + (6 * nr));
            r7.Store(d + (7 * nr));
        }

        for (; p < kc; p++)
        {
            float* d = dst + (p * nr);
            for (int j = 0; j < 8; j++)
            {
                d[j] = s[(j * ldb) + p];
            }
        }
    }

    /// <summary>B stored [k,n]: each source row is read once, front to back, and dealt out to the strips.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRows(float* dst, float* b, nint ldb, int kc, int nc, int nr)
    {
        int strips = (nc + nr - 1) / nr;
        for (int p = 0; p < kc; p++)
        {
            float* s = b + (p * ldb);
            for (int t = 0; t < strips; t++)
            {
                float* d = dst + (t * nr * kc) + (p * nr);
                float* src = s + (t * nr);
                int cols = Math.Min(nr, nc - (t * nr)), j = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; j + 8 <= cols; j += 8)
                    {
                        Vector256.Load(src + j).Store(d + j);
                    }
                }

                for (; j < cols; j++)
                {
                    d[j] = src[j];
                }

                for (; j < nr; j++)
                {
                    d[j] = 0f;
                }
            }
        }
    }
}
