using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// <see cref="SkinnyDot"/> with B as a <see cref="Bf16Matrix"/> (<see cref="GemmOperands.B16"/>): the same
/// vector width, the same accumulators and the same summation order, each B vector widened exactly in registers
/// before its FMA. The results are therefore bit for bit those of the fp32 kernel on the widened weight, while B
/// streams half the bytes. In the paired blocks one load gives two vectors (a shift and a mask), which keeps
/// the instructions per byte low enough to stay memory-bound.
/// </summary>
internal static unsafe partial class SkinnyDotBf16
{
    private const uint HighHalf = 0xFFFF0000u;
    private const int RowsPerTile = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRange(in GemmOperands op, int i0, int rows, int j0, int j1)
    {
        var a = op.A + (i0 * op.Lda);
        var c = op.C + (i0 * op.Ldc);
        var k = op.K;
        var b = op.B16;
        if (rows == 1)
        {
            for (var j = j0; j < j1; j += 4)
            {
                // Past the end, repeat the last row: the extra dots are computed and discarded.
                int r1 = Math.Min(j + 1, j1 - 1), r2 = Math.Min(j + 2, j1 - 1), r3 = Math.Min(j + 3, j1 - 1);
                Dot1x4(a, b + Bf16Matrix.PairedStart(j, k), b + Bf16Matrix.PairedStart(r1, k), b + Bf16Matrix.PairedStart(r2, k), b + Bf16Matrix.PairedStart(r3, k),
                    b + Bf16Matrix.TailStart(j, k), b + Bf16Matrix.TailStart(r1, k), b + Bf16Matrix.TailStart(r2, k), b + Bf16Matrix.TailStart(r3, k),
                    k, out var d0, out var d1, out var d2, out var d3);
                SkinnyDot.Store1x4(c + j, Math.Min(4, j1 - j), d0, d1, d2, d3, op.Accumulate);
            }

            return;
        }

        float* a0 = a, a1 = a + op.Lda, a2 = a + (Math.Min(2, rows - 1) * op.Lda), a3 = a + (Math.Min(3, rows - 1) * op.Lda);
        var d = stackalloc float[16];
        var col = j0;
        if (rows == RowsPerTile)
        {
            // Four B rows at a time when four A rows share them (batched decode, and every pass of a many-row
            // product): twice the multiply-adds per B load and conversion of the 4x2 tile, the same order per element.
            for (; col + 4 <= j1; col += 4)
            {
                Dot4x4(a0, a1, a2, a3, b, col, k, d);
                for (var i = 0; i < RowsPerTile; i++)
                {
                    SkinnyDot.Store1x4(c + (i * op.Ldc) + col, 4, d[4 * i], d[(4 * i) + 1], d[(4 * i) + 2], d[(4 * i) + 3], op.Accumulate);
                }
            }
        }

        for (; col < j1; col += 2)
        {
            var r1 = Math.Min(col + 1, j1 - 1);
            Dot4x2(a0, a1, a2, a3, b + Bf16Matrix.PairedStart(col, k), b + Bf16Matrix.PairedStart(r1, k), b + Bf16Matrix.TailStart(col, k), b + Bf16Matrix.TailStart(r1, k), k, d);
            SkinnyDot.Store4x2(c + col, op.Ldc, rows, Math.Min(2, j1 - col), d, op.Accumulate);
        }
    }

    /// <summary>Vector&lt;float&gt;.Count bf16 values at <paramref name="p"/>, widened to fp32 in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ushort* p)
    {
        // The pointer forms fold the load into the zero-extend (vpmovzxwd ymm, m128): two instructions per vector.
        if (Vector<float>.Count == Vector256<float>.Count && Avx2.IsSupported)
        {
            return Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(p), 16).AsSingle().AsVector();
        }

        if (Vector<float>.Count == Vector512<float>.Count)
        {
            return Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()), 16).AsSingle().AsVector();
        }

        if (Vector<float>.Count == Vector256<float>.Count)
        {
            return Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe()), 16).AsSingle().AsVector();
        }

        return Vector128.ShiftLeft(Vector128.WidenLower(Vector64.Load(p).ToVector128Unsafe()), 16).AsSingle().AsVector();
    }

    /// <summary>The low halves of paired lanes: columns [p, p + w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Low(Vector<uint> q) => Vector.AsVectorSingle(Vector.ShiftLeft(q, 16));

    /// <summary>The high halves of paired lanes: columns [p + w, p + 2w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> High(Vector<uint> q, Vector<uint> mask) => Vector.AsVectorSingle(q & mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4(float* a, ushort* b0, ushort* b1, ushort* b2, ushort* b3, ushort* t0, ushort* t1, ushort* t2, ushort* t3, int k,
        out float d0, out float d1, out float d2, out float d3)
    {
        var p = 0;
        var w = Vector<float>.Count;
        var paired = Bf16Matrix.PairedFor(k);
        var mask = new Vector<uint>(HighHalf);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; p < paired; p += 2 * w)
        {
            Vector<float> lo = Vector.Load(a + p), hi = Vector.Load(a + p + w);
            var q = Vector.Load((uint*)(b0 + (Bf16Matrix.GroupRows * p)));
            s0 = Vector.MultiplyAddEstimate(lo, Low(q), s0);
            s0 = Vector.MultiplyAddEstimate(hi, High(q, mask), s0);
            q = Vector.Load((uint*)(b1 + (Bf16Matrix.GroupRows * p)));
            s1 = Vector.MultiplyAddEstimate(lo, Low(q), s1);
            s1 = Vector.MultiplyAddEstimate(hi, High(q, mask), s1);
            q = Vector.Load((uint*)(b2 + (Bf16Matrix.GroupRows * p)));
            s2 = Vector.MultiplyAddEstimate(lo, Low(q), s2);
            s2 = Vector.MultiplyAddEstimate(hi, High(q, mask), s2);
            q = Vector.Load((uint*)(b3 + (Bf16Matrix.GroupRows * p)));
            s3 = Vector.MultiplyAddEstimate(lo, Low(q), s3);
            s3 = Vector.MultiplyAddEstimate(hi, High(q, mask), s3);
        }

        for (; p + w <= k; p += w)
        {
            var av = Vector.Load(a + p);
            s0 = Vector.MultiplyAddEstimate(av, Load(t0 + p), s0);
            s1 = Vector.MultiplyAddEstimate(av, Load(t1 + p), s1);
            s2 = Vector.MultiplyAddEstimate(av, Load(t2 + p), s2);
            s3 = Vector.MultiplyAddEstimate(av, Load(t3 + p), s3);
        }

        d0 = LaneSum.Sum(s0);
        d1 = LaneSum.Sum(s1);
        d2 = LaneSum.Sum(s2);
        d3 = LaneSum.Sum(s3);

        for (; p < k; p++)
        {
            d0 += a[p] * Widen(t0[p]);
            d1 += a[p] * Widen(t1[p]);
            d2 += a[p] * Widen(t2[p]);
            d3 += a[p] * Widen(t3[p]);
        }
    }

    /// <summary>Dots of four A rows with two B rows into d[2i + j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2(float* a0, float* a1, float* a2, float* a3, ushort* b0, ushort* b1, ushort* t0, ushort* t1, int k, float* d)
    {
        var w = Vector<float>.Count;
        var p = 0;
        var paired = Bf16Matrix.PairedFor(k);
        var mask = new Vector<uint>(HighHalf);
        Vector<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector<float> s20 = default, s21 = default, s30 = default, s31 = default;
        for (; p < paired; p += 2 * w)
        {
            // Columns [p, p + w) for every A row, then [p + w, p + 2w): the fp32 kernel's order.
            var q0 = Vector.Load((uint*)(b0 + (Bf16Matrix.GroupRows * p)));
            var q1 = Vector.Load((uint*)(b1 + (Bf16Matrix.GroupRows * p)));
            Vector<float> v0 = Low(q0), v1 = Low(q1);
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
            v0 = High(q0, mask);
            v1 = High(q1, mask);
            av = Vector.Load(a0 + p + w);
            s00 = Vector.MultiplyAddEstimate(av, v0, s00);
            s01 = Vector.MultiplyAddEstimate(av, v1, s01);
            av = Vector.Load(a1 + p + w);
            s10 = Vector.MultiplyAddEstimate(av, v0, s10);
            s11 = Vector.MultiplyAddEstimate(av, v1, s11);
            av = Vector.Load(a2 + p + w);
            s20 = Vector.MultiplyAddEstimate(av, v0, s20);
            s21 = Vector.MultiplyAddEstimate(av, v1, s21);
            av = Vector.Load(a3 + p + w);
            s30 = Vector.MultiplyAddEstimate(av, v0, s30);
            s31 = Vector.MultiplyAddEstimate(av, v1, s31);
        }

        for (; p + w <= k; p += w)
        {
            var v0 = Load(t0 + p);
            var v1 = Load(t1 + p);
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
            float w0 = Widen(t0[p]), w1 = Widen(t1[p]);
            d[0] += a0[p] * w0;
            d[1] += a0[p] * w1;
            d[2] += a1[p] * w0;
            d[3] += a1[p] * w1;
            d[4] += a2[p] * w0;
            d[5] += a2[p] * w1;
            d[6] += a3[p] * w0;
            d[7] += a3[p] * w1;
        }
    }
}
