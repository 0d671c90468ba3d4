using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistInfer.Engine.Kernels;

/// <summary>In-register transpose of an 8×8 float block held as eight 256-bit rows.</summary>
internal static class Transpose8x8
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        if (Avx.IsSupported)
        {
            // Interleave pairs, then quads within 128-bit lanes, then swap lanes.
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
            r0 = Avx.Permute2x128(u0, u4, 0x20);
            r1 = Avx.Permute2x128(u1, u5, 0x20);
            r2 = Avx.Permute2x128(u2, u6, 0x20);
            r3 = Avx.Permute2x128(u3, u7, 0x20);
            r4 = Avx.Permute2x128(u0, u4, 0x31);
            r5 = Avx.Permute2x128(u1, u5, 0x31);
            r6 = Avx.Permute2x128(u2, u6, 0x31);
            r7 = Avx.Permute2x128(u3, u7, 0x31);
            return;
        }

        Span<float> m = stackalloc float[64];
        r0.CopyTo(m);
        r1.CopyTo(m[8..]);
        r2.CopyTo(m[16..]);
        r3.CopyTo(m[24..]);
        r4.CopyTo(m[32..]);
        r5.CopyTo(m[40..]);
        r6.CopyTo(m[48..]);
        r7.CopyTo(m[56..]);
        Span<float> t = stackalloc float[64];
        for (int i = 0; i < 8; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                t[(j * 8) + i] = m[(i * 8) + j];
            }
        }

        r0 = Vector256.Create<float>(t);
        r1 = Vector256.Create<float>(t[8..]);
        r2 = Vector256.Create<float>(t[16..]);
        r3 = Vector256.Create<float>(t[24..]);
        r4 = Vector256.Create<float>(t[32..]);
        r5 = Vector256.Create<float>(t[40..]);
        r6 = Vector256.Create<float>(t[48..]);
        r7 = Vector256.Create<float>(t[56..]);
    }
}
