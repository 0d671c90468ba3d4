using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Skinny products against <see cref="Bf16Panels"/>: the weight is read as bf16 (half the bytes of fp32) in its
/// memory order and widened in registers by a shift and a mask, both exact; accumulation is fp32 FMA, as for
/// fp32 weights. Each group of four weight rows is read from memory once and, when A has several rows, from
/// L1/L2 for the others.
/// </summary>
internal static unsafe class SkinnyDotBf16
{
    private const uint HighHalf = 0xFFFF0000u;

    /// <summary>C[:, 4·g0 .. 4·g1) for every A row; A rows are zero-padded to the panels' padded width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotGroups(in GemmOperands op, ushort* panels, int paddedK, float* aPadded, int g0, int g1)
    {
        var blocks = paddedK / Bf16Panels.BlockColumns;
        var d = stackalloc float[Bf16Panels.GroupRows];
        for (var g = g0; g < g1; g++)
        {
            var group = panels + ((long)g * Bf16Panels.GroupRows * paddedK);
            var j = g * Bf16Panels.GroupRows;
            var count = Math.Min(Bf16Panels.GroupRows, op.N - j);
            for (var i = 0; i < op.M; i++)
            {
                if (Vector512.IsHardwareAccelerated)
                {
                    Dot512(aPadded + ((long)i * paddedK), group, blocks, d);
                }
                else
                {
                    Dot256(aPadded + ((long)i * paddedK), group, blocks, d);
                }

                SkinnyDot.Store1x4(op.C + (i * op.Ldc) + j, count, d[0], d[1], d[2], d[3], op.Accumulate);
            }
        }
    }

    /// <summary>Four dots of one A row with one group, 64-byte loads: per block, row r's lane i is columns i and 16 + i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot512(float* a, ushort* q, int blocks, float* d)
    {
        var mask = Vector512.Create(HighHalf);
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
        for (var b = 0; b < blocks; b++, q += 128, a += 32)
        {
            var lo = Vector512.Load(a);
            var hi = Vector512.Load(a + 16);
            var w = Vector512.Load((uint*)q);
            e0 = Vector512.FusedMultiplyAdd(lo, (w << 16).AsSingle(), e0);
            o0 = Vector512.FusedMultiplyAdd(hi, (w & mask).AsSingle(), o0);
            w = Vector512.Load((uint*)(q + 32));
            e1 = Vector512.FusedMultiplyAdd(lo, (w << 16).AsSingle(), e1);
            o1 = Vector512.FusedMultiplyAdd(hi, (w & mask).AsSingle(), o1);
            w = Vector512.Load((uint*)(q + 64));
            e2 = Vector512.FusedMultiplyAdd(lo, (w << 16).AsSingle(), e2);
            o2 = Vector512.FusedMultiplyAdd(hi, (w & mask).AsSingle(), o2);
            w = Vector512.Load((uint*)(q + 96));
            e3 = Vector512.FusedMultiplyAdd(lo, (w << 16).AsSingle(), e3);
            o3 = Vector512.FusedMultiplyAdd(hi, (w & mask).AsSingle(), o3);
        }

        d[0] = Vector512.Sum(e0 + o0);
        d[1] = Vector512.Sum(e1 + o1);
        d[2] = Vector512.Sum(e2 + o2);
        d[3] = Vector512.Sum(e3 + o3);
    }

    /// <summary>The same with 32-byte loads: a row's block is two loads, lanes 0-7 then 8-15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot256(float* a, ushort* q, int blocks, float* d)
    {
        var mask = Vector256.Create(HighHalf);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (var b = 0; b < blocks; b++, q += 128, a += 32)
        {
            Vector256<float> lo0 = Vector256.Load(a), lo1 = Vector256.Load(a + 8);
            Vector256<float> hi0 = Vector256.Load(a + 16), hi1 = Vector256.Load(a + 24);
            s0 = Row256(q, lo0, lo1, hi0, hi1, mask, s0);
            s1 = Row256(q + 32, lo0, lo1, hi0, hi1, mask, s1);
            s2 = Row256(q + 64, lo0, lo1, hi0, hi1, mask, s2);
            s3 = Row256(q + 96, lo0, lo1, hi0, hi1, mask, s3);
        }

        d[0] = Vector256.Sum(s0);
        d[1] = Vector256.Sum(s1);
        d[2] = Vector256.Sum(s2);
        d[3] = Vector256.Sum(s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row256(ushort* q, Vector256<float> lo0, Vector256<float> lo1, Vector256<float> hi0, Vector256<float> hi1,
        Vector256<uint> mask, Vector256<float> s)
    {
        var w0 = Vector256.Load((uint*)q);
        var w1 = Vector256.Load((uint*)(q + 16));
        s = Vector256.FusedMultiplyAdd(lo0, (w0 << 16).AsSingle(), s);
        s = Vector256.FusedMultiplyAdd(hi0, (w0 & mask).AsSingle(), s);
        s = Vector256.FusedMultiplyAdd(lo1, (w1 << 16).AsSingle(), s);
        return Vector256.FusedMultiplyAdd(hi1, (w1 & mask).AsSingle(), s);
    }
}
