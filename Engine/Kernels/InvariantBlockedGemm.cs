using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Batch-invariant products of many rows with B stored [n,k] (fp32 or bf16) at packed-kernel speed. Each element of
/// C gets the bits the dot kernels of decode give it (<see cref="SkinnyDot"/>, <see cref="SkinnyDotBf16"/>): they
/// keep W = Vector&lt;float&gt;.Count lane sums, lane l adding a[p]·b[p] for p ≡ l (mod W) in order with fused
/// multiply-adds, then sum the lanes (<see cref="LaneSum"/>) and add the last K mod W products one by one. Here lane
/// l is a product of its own, A's and B's columns l, l + W, ... packed side by side, run by the packed micro-kernel
/// (one fused multiply-add chain per element, in order); a tile's W lane results are then summed in LaneSum's order
/// and the tail is added as the dot kernels add it. So a row's result does not depend on the other rows and decode
/// and prefill agree, while the micro-kernel's broadcast form runs at the packed kernels' rate.
/// </summary>
internal static unsafe class InvariantBlockedGemm<TKernel>
    where TKernel : struct, IMicroKernel
{
    /// <summary>Bytes of widened B one task packs (its columns' lane panels stay in L2 while A streams past).</summary>
    private const long PanelBytes = 384 * 1024;

    /// <summary>Most floats of packed A held at once; taller products go in row groups.</summary>
    private const long PackedACap = 4L << 20;

    private const double ParallelMinFlops = 4e6;

    private const int TasksPerThread = 4;

    public static void Run(in GemmOperands op, int threads)
    {
        if (!op.TransposeB)
        {
            throw new ArgumentException("the invariant packed product needs B stored [n,k]", nameof(op));
        }

        int mr = TKernel.Mr, nr = TKernel.Nr, w = Vector<float>.Count;
        if (op.Flops < ParallelMinFlops)
        {
            threads = 1;
        }

        int kv = op.K / w;
        int stripA = mr * w * kv;
        int nc = (int)Math.Clamp(PanelBytes / (sizeof(float) * Math.Max(op.K, 1)) / nr * nr, nr, RoundUp(op.N, nr));
        int panels = DivUp(op.N, nc);
        int groupRows = (int)Math.Max(mr, PackedACap / Math.Max(stripA / mr, 1) / mr * mr);
        groupRows = Math.Min(groupRows, RoundUp(op.M, mr));
        float[] packedA = ArrayPool<float>.Shared.Rent(checked((groupRows / mr * stripA) + 16));
        try
        {
            fixed (float* raw = packedA)
            {
                float* ap = Align(raw);
                GemmOperands operands = op;
                for (int g0 = 0; g0 < op.M; g0 += groupRows)
                {
                    int rows = Math.Min(groupRows, op.M - g0), strips = DivUp(rows, mr), first = g0;
                    GemmParallel.For(strips, threads, s => PackAStrip(operands, ap + ((long)s * stripA), first + (s * mr), kv));
                    int bands = Math.Clamp(DivUp(threads * TasksPerThread, panels), 1, strips);
                    int bandStrips = DivUp(strips, bands);
                    bands = DivUp(strips, bandStrips);
                    GemmParallel.For(panels * bands, threads, t =>
                    {
                        int q = t / bands, b = t % bands;
                        int s0 = b * bandStrips, s1 = Math.Min(strips, s0 + bandStrips);
                        RunPanel(operands, ap, stripA, kv, first, s0, s1, q * nc, Math.Min(operands.N, (q * nc) + nc));
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
        }
    }

    /// <summary>Rows [row0, row0 + Mr) of A, lane by lane: dst[l·kv·Mr + t·Mr + i] = A[row0 + i, l + W·t] (0 past M).</summary>
    private static void PackAStrip(in GemmOperands op, float* dst, int row0, int kv)
    {
        int mr = TKernel.Mr, w = Vector<float>.Count;
        for (int i = 0; i < mr; i++)
        {
            int row = row0 + i;
            float* src = row < op.M ? op.A + (row * op.Lda) : null;
            for (int l = 0; l < w; l++)
            {
                float* d = dst + (l * kv * mr) + i;
                for (int t = 0; t < kv; t++)
                {
                    d[t * mr] = src == null ? 0f : src[l + (w * t)];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPanel(in GemmOperands op, float* ap, int stripA, int kv, int row0, int s0, int s1, int n0, int n1)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr, w = Vector<float>.Count, k = op.K;
        int cols = n1 - n0, strips = DivUp(cols, nr);
        long packed = (long)strips * nr * k, split = (long)strips * nr * w * kv;
        float[] buffer = ArrayPool<float>.Shared.Rent(checked((int)(packed + split + (w * mr * nr) + 48)));
        try
        {
            fixed (float* raw = buffer)
            {
                float* bp = Align(raw), bl = Align(bp + packed), tiles = Align(bl + split);
                PackB(op, bp, bl, n0, cols, kv);
                for (int s = s0; s < s1; s++)
                {
                    int r0 = row0 + (s * mr), rows = Math.Min(mr, op.M - r0);
                    float* a = ap + ((long)s * stripA);
                    for (int js = 0; js < strips; js++)
                    {
                        float* b = bl + ((long)js * nr * w * kv);
                        for (int l = 0; l < w; l++)
                        {
                            TKernel.Run(kv, a + (l * kv * mr), b + (l * kv * nr), tiles + (l * mr * nr), nr, false);
                        }

                        LaneSum.SumTiles(tiles, w, mr * nr);
                        Store(op, tiles, bp + ((long)js * nr * k), r0, rows, n0 + (js * nr), Math.Min(nr, cols - (js * nr)), kv * w);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Packs columns [n0, n0 + cols) of the product (B's rows), then splits each strip into lane panels.</summary>
    private static void PackB(in GemmOperands op, float* bp, float* bl, int n0, int cols, int kv)
    {
        int nr = TKernel.Nr, w = Vector<float>.Count, k = op.K, strips = DivUp(cols, nr);
        if (op.B16 != null)
        {
            GemmPackingBf16.PackBBf16(bp, op.B16, k, n0, 0, k, cols, nr);
        }
        else
        {
            GemmPacking.PackB(bp, op.B + (n0 * op.Ldb), op.Ldb, true, k, cols, nr);
        }

        long rowBytes = nr * sizeof(float);
        for (int s = 0; s < strips; s++)
        {
            float* src = bp + ((long)s * nr * k), dst = bl + ((long)s * nr * w * kv);
            for (int l = 0; l < w; l++)
            {
                for (int t = 0; t < kv; t++)
                {
                    Buffer.MemoryCopy(src + ((l + (w * t)) * nr), dst + (((l * kv) + t) * nr), rowBytes, rowBytes);
                }
            }
        }
    }

    /// <summary>Adds the dots' scalar tail (p from <paramref name="tail"/>, one product at a time) and stores the tile.</summary>
    private static void Store(in GemmOperands op, float* tile, float* packedB, int r0, int rows, int j0, int cols, int tail)
    {
        int nr = TKernel.Nr, k = op.K;
        for (int i = 0; i < rows; i++)
        {
            float* a = op.A + ((r0 + i) * op.Lda);
            float* c = op.C + ((r0 + i) * op.Ldc) + j0;
            for (int j = 0; j < cols; j++)
            {
                float d = tile[(i * nr) + j];
                for (int p = tail; p < k; p++)
                {
                    d += a[p] * packedB[(p * nr) + j];
                }

                c[j] = op.Accumulate ? c[j] + d : d;
            }
        }
    }

    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    private static int DivUp(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int y) => DivUp(x, y) * y;
}
