using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistInfer.Engine.Kernels;

/// <summary>The 4x4 tile: four A rows against four B rows, for products with four or more rows.</summary>
internal static unsafe partial class SkinnyDotBf16
{
    /// <summary>Dots of four A rows with B rows j..j+3 into d[4i + r], each element summed as in <see cref="Dot4x2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4(float* a0, float* a1, float* a2, float* a3, ushort* b, int j, int k, float* d)
    {
        var w = Vector<float>.Count;
        var p = 0;
        var paired = Bf16Matrix.PairedFor(k);
        var mask = new Vector<uint>(HighHalf);
        ushort* b0 = b + Bf16Matrix.PairedStart(j, k), b1 = b + Bf16Matrix.PairedStart(j + 1, k);
        ushort* b2 = b + Bf16Matrix.PairedStart(j + 2, k), b3 = b + Bf16Matrix.PairedStart(j + 3, k);
        Vector<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector<float> s30 = default, s31 = default, s32 = default, s33 = default;
        for (; p < paired; p += 2 * w)
        {
            var q0 = Vector.Load((uint*)(b0 + (Bf16Matrix.GroupRows * p)));
            var q1 = Vector.Load((uint*)(b1 + (Bf16Matrix.GroupRows * p)));
            var q2 = Vector.Load((uint*)(b2 + (Bf16Matrix.GroupRows * p)));
            var q3 = Vector.Load((uint*)(b3 + (Bf16Matrix.GroupRows * p)));
            Vector<float> v0 = Low(q0), v1 = Low(q1), v2 = Low(q2), v3 = Low(q3);
            var av = Vector.Load(a0 + p);
            (s00, s01, s02, s03) = (Vector.MultiplyAddEstimate(av, v0, s00), Vector.MultiplyAddEstimate(av, v1, s01), Vector.MultiplyAddEstimate(av, v2, s02), Vector.MultiplyAddEstimate(av, v3, s03));
            av = Vector.Load(a1 + p);
            (s10, s11, s12, s13) = (Vector.MultiplyAddEstimate(av, v0, s10), Vector.MultiplyAddEstimate(av, v1, s11), Vector.MultiplyAddEstimate(av, v2, s12), Vector.MultiplyAddEstimate(av, v3, s13));
            av = Vector.Load(a2 + p);
            (s20, s21, s22, s23) = (Vector.MultiplyAddEstimate(av, v0, s20), Vector.MultiplyAddEstimate(av, v1, s21), Vector.MultiplyAddEstimate(av, v2, s22), Vector.MultiplyAddEstimate(av, v3, s23));
            av = Vector.Load(a3 + p);
            (s30, s31, s32, s33) = (Vector.MultiplyAddEstimate(av, v0, s30), Vector.MultiplyAddEstimate(av, v1, s31), Vector.MultiplyAddEstimate(av, v2, s32), Vector.MultiplyAddEstimate(av, v3, s33));
            (v0, v1, v2, v3) = (High(q0, mask), High(q1, mask), High(q2, mask), High(q3, mask));
            av = Vector.Load(a0 + p + w);
            (s00, s01, s02, s03) = (Vector.MultiplyAddEstimate(av, v0, s00), Vector.MultiplyAddEstimate(av, v1, s01), Vector.MultiplyAddEstimate(av, v2, s02), Vector.MultiplyAddEstimate(av, v3, s03));
            av = Vector.Load(a1 + p + w);
            (s10, s11, s12, s13) = (Vector.MultiplyAddEstimate(av, v0, s10), Vector.MultiplyAddEstimate(av, v1, s11), Vector.MultiplyAddEstimate(av, v2, s12), Vector.MultiplyAddEstimate(av, v3, s13));
            av = Vector.Load(a2 + p + w);
            (s20, s21, s22, s23) = (Vector.MultiplyAddEstimate(av, v0, s20), Vector.MultiplyAddEstimate(av, v1, s21), Vector.MultiplyAddEstimate(av, v2, s22), Vector.MultiplyAddEstimate(av, v3, s23));
            av = Vector.Load(a3 + p + w);
            (s30, s31, s32, s33) = (Vector.MultiplyAddEstimate(av, v0, s30), Vector.MultiplyAddEstimate(av, v1, s31), Vector.MultiplyAddEstimate(av, v2, s32), Vector.MultiplyAddEstimate(av, v3, s33));
        }

        ushort* t0 = b + Bf16Matrix.TailStart(j, k), t1 = b + Bf16Matrix.TailStart(j + 1, k);
        ushort* t2 = b + Bf16Matrix.TailStart(j + 2, k), t3 = b + Bf16Matrix.TailStart(j + 3, k);
        for (; p + w <= k; p += w)
        {
            Vector<float> v0 = Load(t0 + p), v1 = Load(t1 + p), v2 = Load(t2 + p), v3 = Load(t3 + p);
            var av = Vector.Load(a0 + p);
            (s00, s01, s02, s03) = (Vector.MultiplyAddEstimate(av, v0, s00), Vector.MultiplyAddEstimate(av, v1, s01), Vector.MultiplyAddEstimate(av, v2, s02), Vector.MultiplyAddEstimate(av, v3, s03));
            av = Vector.Load(a1 + p);
            (s10, s11, s12, s13) = (Vector.MultiplyAddEstimate(av, v0, s10), Vector.MultiplyAddEstimate(av, v1, s11), Vector.MultiplyAddEstimate(av, v2, s12), Vector.MultiplyAddEstimate(av, v3, s13));
            av = Vector.Load(a2 + p);
            (s20, s21, s22, s23) = (Vector.MultiplyAddEstimate(av, v0, s20), Vector.MultiplyAddEstimate(av, v1, s21), Vector.MultiplyAddEstimate(av, v2, s22), Vector.MultiplyAddEstimate(av, v3, s23));
            av = Vector.Load(a3 + p);
            (s30, s31, s32, s33) = (Vector.MultiplyAddEstimate(av, v0, s30), Vector.MultiplyAddEstimate(av, v1, s31), Vector.MultiplyAddEstimate(av, v2, s32), Vector.MultiplyAddEstimate(av, v3, s33));
        }

        (d[0], d[1], d[2], d[3]) = (LaneSum.Sum(s00), LaneSum.Sum(s01), LaneSum.Sum(s02), LaneSum.Sum(s03));
        (d[4], d[5], d[6], d[7]) = (LaneSum.Sum(s10), LaneSum.Sum(s11), LaneSum.Sum(s12), LaneSum.Sum(s13));
        (d[8], d[9], d[10], d[11]) = (LaneSum.Sum(s20), LaneSum.Sum(s21), LaneSum.Sum(s22), LaneSum.Sum(s23));
        (d[12], d[13], d[14], d[15]) = (LaneSum.Sum(s30), LaneSum.Sum(s31), LaneSum.Sum(s32), LaneSum.Sum(s33));
        for (; p < k; p++)
        {
            float w0 = Widen(t0[p]), w1 = Widen(t1[p]), w2 = Widen(t2[p]), w3 = Widen(t3[p]);
            float x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p];
            d[0] += x0 * w0; d[1] += x0 * w1; d[2] += x0 * w2; d[3] += x0 * w3;
            d[4] += x1 * w0; d[5] += x1 * w1; d[6] += x1 * w2; d[7] += x1 * w3;
            d[8] += x2 * w0; d[9] += x2 * w1; d[10] += x2 * w2; d[11] += x2 * w3;
            d[12] += x3 * w0; d[13] += x3 * w1; d[14] += x3 * w2; d[15] += x3 * w3;
        }
    }
}
