using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Skinny products with bf16 B stored [n,k], read as bf16 (half the bytes of fp32) and widened in registers:
/// a 32-bit lane holds elements 2p (low half) and 2p+1 (high half), so a shift left by 16 gives element 2p
/// and a mask gives element 2p+1, both exact fp32 values. They meet A's even and odd elements, split once per
/// product by <see cref="SkinnyGemm.RunBf16"/>. Accumulation is fp32 FMA, as for fp32 weights.
/// </summary>
internal static unsafe class SkinnyDotBf16
{
    private const uint HighHalf = 0xFFFF0000u;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRange(in GemmOperands op, ushort* b, float* aSplit, int i0, int rows, int j0, int j1)
    {
        var k = op.K;
        var half = k / 2;
        var c = op.C + (i0 * op.Ldc);
        if (rows == 1)
        {
            var a = op.A + (i0 * op.Lda);
            var even = aSplit + (2 * i0 * half);
            for (var j = j0; j < j1; j += 4)
            {
                // Past the end, repeat the last row: the extra dots are computed and discarded.
                var b0 = b + (j * op.Ldb);
                var b1 = b + (Math.Min(j + 1, j1 - 1) * op.Ldb);
                var b2 = b + (Math.Min(j + 2, j1 - 1) * op.Ldb);
                var b3 = b + (Math.Min(j + 3, j1 - 1) * op.Ldb);
                Dot1x4(a, even, even + half, b0, b1, b2, b3, k, out var d0, out var d1, out var d2, out var d3);
                SkinnyDot.Store1x4(c + j, Math.Min(4, j1 - j), d0, d1, d2, d3, op.Accumulate);
            }

            return;
        }

        var ar = stackalloc float*[4];
        var ae = stackalloc float*[4];
        for (var i = 0; i < 4; i++)
        {
            var row = i0 + Math.Min(i, rows - 1);
            ar[i] = op.A + (row * op.Lda);
            ae[i] = aSplit + (2 * row * half);
        }

        var d = stackalloc float[8];
        for (var j = j0; j < j1; j += 2)
        {
            var b0 = b + (j * op.Ldb);
            var b1 = b + (Math.Min(j + 1, j1 - 1) * op.Ldb);
            Dot4x2(ar, ae, half, b0, b1, k, d);
            SkinnyDot.Store4x2(c + j, op.Ldc, rows, Math.Min(2, j1 - j), d, op.Accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Widen(ushort x) => BitConverter.UInt32BitsToSingle((uint)x << 16);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4(float* a, float* aEven, float* aOdd, ushort* b0, ushort* b1, ushort* b2, ushort* b3, int k,
        out float d0, out float d1, out float d2, out float d3)
    {
        var p = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var mask = Vector512.Create(HighHalf);
            Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
            Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
            for (; p + 32 <= k; p += 32)
            {
                var q = p >> 1;
                var ev = Vector512.Load(aEven + q);
                var ov = Vector512.Load(aOdd + q);
                var w = Vector512.Load((uint*)(b0 + p));
                e0 = Vector512.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e0);
                o0 = Vector512.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o0);
                w = Vector512.Load((uint*)(b1 + p));
                e1 = Vector512.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e1);
                o1 = Vector512.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o1);
                w = Vector512.Load((uint*)(b2 + p));
                e2 = Vector512.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e2);
                o2 = Vector512.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o2);
                w = Vector512.Load((uint*)(b3 + p));
                e3 = Vector512.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e3);
                o3 = Vector512.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o3);
            }

            d0 = Vector512.Sum(e0 + o0);
            d1 = Vector512.Sum(e1 + o1);
            d2 = Vector512.Sum(e2 + o2);
            d3 = Vector512.Sum(e3 + o3);
        }
        else
        {
            var mask = Vector256.Create(HighHalf);
            Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default;
            Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default;
            for (; p + 16 <= k; p += 16)
            {
                var q = p >> 1;
                var ev = Vector256.Load(aEven + q);
                var ov = Vector256.Load(aOdd + q);
                var w = Vector256.Load((uint*)(b0 + p));
                e0 = Vector256.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e0);
                o0 = Vector256.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o0);
                w = Vector256.Load((uint*)(b1 + p));
                e1 = Vector256.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e1);
                o1 = Vector256.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o1);
                w = Vector256.Load((uint*)(b2 + p));
                e2 = Vector256.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e2);
                o2 = Vector256.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o2);
                w = Vector256.Load((uint*)(b3 + p));
                e3 = Vector256.FusedMultiplyAdd(ev, (w << 16).AsSingle(), e3);
                o3 = Vector256.FusedMultiplyAdd(ov, (w & mask).AsSingle(), o3);
            }

            d0 = Vector256.Sum(e0 + o0);
            d1 = Vector256.Sum(e1 + o1);
            d2 = Vector256.Sum(e2 + o2);
            d3 = Vector256.Sum(e3 + o3);
        }

        for (; p < k; p++)
        {
            d0 += a[p] * Widen(b0[p]);
            d1 += a[p] * Widen(b1[p]);
            d2 += a[p] * Widen(b2[p]);
            d3 += a[p] * Widen(b3[p]);
        }
    }

    /// <summary>Dots of four A rows (full rows <paramref name="a"/>, split rows <paramref name="split"/>) with two B rows into d[2i + j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2(float** a, float** split, int half, ushort* b0, ushort* b1, int k, float* d)
    {
        var p = 0;
        var mask = Vector256.Create(HighHalf);
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector256<float> s20 = default, s21 = default, s30 = default, s31 = default;
        float* e0 = split[0], e1 = split[1], e2 = split[2], e3 = split[3];
        for (; p + 16 <= k; p += 16)
        {
            var q = p >> 1;
            var w0 = Vector256.Load((uint*)(b0 + p));
            var w1 = Vector256.Load((uint*)(b1 + p));
            Vector256<float> x0 = (w0 << 16).AsSingle(), y0 = (w0 & mask).AsSingle();
            Vector256<float> x1 = (w1 << 16).AsSingle(), y1 = (w1 & mask).AsSingle();
            Vector256<float> ev = Vector256.Load(e0 + q), ov = Vector256.Load(e0 + half + q);
            s00 = Vector256.FusedMultiplyAdd(ov, y0, Vector256.FusedMultiplyAdd(ev, x0, s00));
            s01 = Vector256.FusedMultiplyAdd(ov, y1, Vector256.FusedMultiplyAdd(ev, x1, s01));
            ev = Vector256.Load(e1 + q);
            ov = Vector256.Load(e1 + half + q);
            s10 = Vector256.FusedMultiplyAdd(ov, y0, Vector256.FusedMultiplyAdd(ev, x0, s10));
            s11 = Vector256.FusedMultiplyAdd(ov, y1, Vector256.FusedMultiplyAdd(ev, x1, s11));
            ev = Vector256.Load(e2 + q);
            ov = Vector256.Load(e2 + half + q);
            s20 = Vector256.FusedMultiplyAdd(ov, y0, Vector256.FusedMultiplyAdd(ev, x0, s20));
            s21 = Vector256.FusedMultiplyAdd(ov, y1, Vector256.FusedMultiplyAdd(ev, x1, s21));
            ev = Vector256.Load(e3 + q);
            ov = Vector256.Load(e3 + half + q);
            s30 = Vector256.FusedMultiplyAdd(ov, y0, Vector256.FusedMultiplyAdd(ev, x0, s30));
            s31 = Vector256.FusedMultiplyAdd(ov, y1, Vector256.FusedMultiplyAdd(ev, x1, s31));
        }

        d[0] = Vector256.Sum(s00);
        d[1] = Vector256.Sum(s01);
        d[2] = Vector256.Sum(s10);
        d[3] = Vector256.Sum(s11);
        d[4] = Vector256.Sum(s20);
        d[5] = Vector256.Sum(s21);
        d[6] = Vector256.Sum(s30);
        d[7] = Vector256.Sum(s31);
        for (; p < k; p++)
        {
            float x = Widen(b0[p]), y = Widen(b1[p]);
            for (var i = 0; i < 4; i++)
            {
                d[2 * i] += a[i][p] * x;
                d[(2 * i) + 1] += a[i][p] * y;
            }
        }
    }
}
