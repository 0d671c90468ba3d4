using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// <see cref="GemmPacking.PackB"/> for a <see cref="Bf16Matrix"/> B: the same packed layout, each value widened
/// exactly on the way, so the micro-kernels see the fp32 weight's bits and sum in the same order.
/// </summary>
internal static unsafe class GemmPackingBf16
{
    /// <summary>
    /// Packs the kc × nc block at rows [row0, row0 + nc), columns [pc, pc + kc) of a <see cref="Bf16Matrix"/>'s
    /// data <paramref name="b"/> (<paramref name="k"/> columns), widening every value exactly: the packed block holds
    /// the same fp32 values <see cref="GemmPacking.PackB"/> packs from the widened weight. pc is a multiple of 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBBf16(float* dst, ushort* b, int k, int row0, int pc, int kc, int nc, int nr)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            PackBBf16Strip(dst, b, k, row0 + j0, pc, kc, Math.Min(nr, nc - j0), nr);
            dst += nr * kc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBBf16Strip(float* dst, ushort* b, int k, int row0, int pc, int kc, int cols, int nr)
    {
        int j = 0;
        if (nr % 8 == 0 && Avx2.IsSupported && pc % 8 == 0)
        {
            for (; j + 8 <= cols; j += 8)
            {
                Transpose8RowsBf16(dst + j, b, k, row0 + j, pc, kc, nr);
            }
        }

        for (; j < nr; j++)
        {
            float* d = dst + j;
            if (j < cols)
            {
                for (int p = 0; p < kc; p++)
                {
                    d[p * nr] = BitConverter.UInt32BitsToSingle((uint)b[Bf16Matrix.Index(row0 + j, pc + p, k)] << 16);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8RowsBf16(float* dst, ushort* b, int k, int row, int pc, int kc, int nr)
    {
        int p = 0, w = Bf16Matrix.Pairing, paired = Bf16Matrix.PairedFor(k);
        var highMask = Vector256.Create(0xFFFF0000u);
        var paired0 = stackalloc ushort*[8];
        var tail0 = stackalloc ushort*[8];
        for (int i = 0; i < 8; i++)
        {
            paired0[i] = b + Bf16Matrix.PairedStart(row + i, k);
            tail0[i] = b + Bf16Matrix.TailStart(row + i, k);
        }

        for (; p + 8 <= kc; p += 8)
        {
            // Where the eight columns lie is the same in every row: worked out once per k step, not per row.
            int column = pc + p;
            var plain = column >= paired;
            var high = false;
            nint offset = column;
            if (!plain)
            {
                // Paired block of 2w columns: lane i holds columns i (low half) and w + i (high half).
                int inBlock = column % (2 * w);
                high = inBlock >= w;
                offset = (Bf16Matrix.GroupRows * (column - inBlock)) + (2 * (inBlock % w));
            }

            ushort** rows = plain ? tail0 : paired0;
            Vector256<float> r0 = Widen8(rows[0] + offset, plain, high, highMask);
            Vector256<float> r1 = Widen8(rows[1] + offset, plain, high, highMask);
            Vector256<float> r2 = Widen8(rows[2] + offset, plain, high, highMask);
            Vector256<float> r3 = Widen8(rows[3] + offset, plain, high, highMask);
            Vector256<float> r4 = Widen8(rows[4] + offset, plain, high, highMask);
            Vector256<float> r5 = Widen8(rows[5] + offset, plain, high, highMask);
            Vector256<float> r6 = Widen8(rows[6] + offset, plain, high, highMask);
            Vector256<float> r7 = Widen8(rows[7] + offset, plain, high, highMask);
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
                d[j] = BitConverter.UInt32BitsToSingle((uint)b[Bf16Matrix.Index(row + j, pc + p, k)] << 16);
            }
        }
    }

    /// <summary>Eight widened columns at <paramref name="q"/>: plain bf16, or the low or high halves of eight paired lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(ushort* q, bool plain, bool high, Vector256<uint> highMask)
    {
        if (plain)
        {
            return Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(q), 16).AsSingle();
        }

        var lanes = Vector256.Load((uint*)q);
        return (high ? lanes & highMask : Vector256.ShiftLeft(lanes, 16)).AsSingle();
    }
}
