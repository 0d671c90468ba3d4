using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>Skinny products with fp32 B stored [n,k]: every output is the dot product of an A row with a B row.</summary>
internal static unsafe class SkinnyDot
{

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRange(in GemmOperands op, int i0, int rows, int j0, int j1)
    {
        var a = op.A + (i0 * op.Lda);
        var c = op.C + (i0 * op.Ldc);
        var k = op.K;
        if (rows == 1)
        {
            for (var j = j0; j < j1; j += 4)
            {
                // Past the end, repeat the last row: the extra dots are computed and discarded.
                var b0 = op.B + (j * op.Ldb);
                var b1 = op.B + (Math.Min(j + 1, j1 - 1) * op.Ldb);
                var b2 = op.B + (Math.Min(j + 2, j1 - 1) * op.Ldb);
                var b3 = op.B + (Math.Min(j + 3, j1 - 1) * op.Ldb);
                Dot1x4(a, b0, b1, b2, b3, k, out var d0, out var d1, out var d2, out var d3);
                Store1x4(c + j, Math.Min(4, j1 - j), d0, d1, d2, d3, op.Accumulate);
            }

            return;
        }

        float* a0 = a, a1 = a + op.Lda, a2 = a + (Math.Min(2, rows - 1) * op.Lda), a3 = a + (Math.Min(3, rows - 1) * op.Lda);
        var d = stackalloc float[8];
        for (var j = j0; j < j1; j += 2)
        {
            var b0 = op.B + (j * op.Ldb);
            var b1 = op.B + (Math.Min(j + 1, j1 - 1) * op.Ldb);
            Dot4x2(a0, a1, a2, a3, b0, b1, k, d);
            Store4x2(c + j, op.Ldc, rows, Math.Min(2, j1 - j), d, op.Accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store1x4(float* c, int count, float d0, float d1, float d2, float d3, bool accumulate)
    {
        Put(c, d0, accumulate);
        if (count > 1) Put(c + 1, d1, accumulate);
        if (count > 2) Put(c + 2, d2, accumulate);
        if (count > 3) Put(c + 3, d3, accumulate);
    }

    /// <summary>Stores d[2i + j] (A row i, B row j) for the valid rows and columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4x2(float* c, nint ldc, int rows, int count, float* d, bool accumulate)
    {
        for (var i = 0; i < rows; i++)
        {
            var ci = c + (i * ldc);
            Put(ci, d[2 * i], accumulate);
            if (count > 1) Put(ci + 1, d[(2 * i) + 1], accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, float value, bool accumulate) => *c = accumulate ? *c + value : value;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4(float* a, float* b0, float* b1, float* b2, float* b3, int k,
        out float d0, out float d1, out float d2, out float d3)
    {
        var p = 0;
        // Same vector width and summation order as Dot4x2: a sequence's logits must not depend on how many other
        // rows share its product (a seed reproduces the same tokens whatever else is in the batch).
        var w = Vector<float>.Count;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; p + w <= k; p += w)
        {
            var av = Vector.Load(a + p);
            s0 = Vector.MultiplyAddEstimate(av, Vector.Load(b0 + p), s0);
            s1 = Vector.MultiplyAddEstimate(av, Vector.Load(b1 + p), s1);
            s2 = Vector.MultiplyAddEstimate(av, Vector.Load(b2 + p), s2);
            s3 = Vector.MultiplyAddEstimate(av, Vector.Load(b3 + p), s3);
        }

        d0 = LaneSum.Sum(s0);
        d1 = LaneSum.Sum(s1);
        d2 = LaneSum.Sum(s2);
        d3 = LaneSum.Sum(s3);

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
    private static void Dot4x2(float* a0, float* a1, float* a2, float* a3, float* b0, float* b1, int k, float* d)
    {
        var w = Vector<float>.Count;
        var p = 0;
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

        d[0] = LaneSum.Sum(s00);
        d[1] = LaneSum.Sum(s01);
        d[2] = LaneSum.Sum(s10);
        d[3] = LaneSum.Sum(s11);
        d[4] = LaneSum.Sum(s20);
        d[5] = LaneSum.Sum(s21);
        d[6] = LaneSum.Sum(s30);
        d[7] = LaneSum.Sum(s31);
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
}
