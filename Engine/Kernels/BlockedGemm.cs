using System.Buffers;
using System.Runtime.CompilerServices;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// The cache-blocked product for everything but skinny shapes. A is packed once per call (for up to
/// <see cref="PackedACap"/> floats of it at a time) by all threads together; then C is cut into column tiles
/// (and row bands when there are few columns) handed out dynamically. Each tile task packs a kc × nc block of B
/// once and runs it against every packed mc × kc block of A (L2 resident), while the micro-kernel streams one
/// kc × Nr strip of B from L1.
/// </summary>
internal static unsafe class BlockedGemm<TKernel>
    where TKernel : struct, IMicroKernel
{
    private const int Kc = 256;

    /// <summary>Below this many flops one thread finishes before the pool would hand out the tasks.</summary>
    private const double ParallelMinFlops = 4e6;

    /// <summary>Tasks per thread: enough that a thread delayed by other processes does not hold up the call.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Most floats of packed A held at once (16 MB); taller or deeper products pack A in k groups.</summary>
    private const long PackedACap = 4L << 20;

    private static int Mc => TKernel.Mr * 16;

    private static int Nc => TKernel.Nr * 16;

    public static void Run(in GemmOperands op, int threads)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        if (op.Flops < ParallelMinFlops)
        {
            threads = 1;
        }

        int mPad = RoundUp(op.M, mr);

        // Equal k groups sized so packed A plus alignment fits the cap, which is a pool bucket size (no waste).
        long groups = Math.Max(1, DivUp((long)mPad * op.K, Math.Max(PackedACap - 16 - mPad, 1 << 16)));
        int kGroup = (int)DivUp(op.K, groups);
        var plan = TilePlan.For(op.M, op.N, threads, mr, nr);
        float[] packedA = ArrayPool<float>.Shared.Rent(checked((mPad * kGroup) + 16));
        try
        {
            fixed (float* raw = packedA)
            {
                float* ap = Align(raw);
                GemmOperands operands = op;
                for (int kg = 0; kg < op.K; kg += kGroup)
                {
                    int kEnd = Math.Min(op.K, kg + kGroup);
                    int kBlocks = DivUp(kEnd - kg, Kc), mBlocks = DivUp(op.M, Mc);
                    int group = kg;
                    GemmParallel.For(kBlocks * mBlocks, threads, t => PackABlock(operands, ap, mPad, group, kEnd, group + (t / mBlocks * Kc), t % mBlocks * Mc));
                    GemmParallel.For(plan.Tasks, threads, t =>
                    {
                        int m0 = t % plan.RowSplits * plan.TileM, n0 = t / plan.RowSplits * plan.TileN;
                        RunTile(operands, ap, mPad, group, kEnd, m0, Math.Min(operands.M, m0 + plan.TileM), n0, Math.Min(operands.N, n0 + plan.TileN));
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
        }
    }

    /// <summary>Packs rows [ic, ic + Mc) × k block pc of A where the tiles will find it (see <see cref="ABlock"/>).</summary>
    private static void PackABlock(in GemmOperands op, float* ap, int mPad, int kg, int kEnd, int pc, int ic)
    {
        int kc = Math.Min(Kc, kEnd - pc), mc = Math.Min(Mc, op.M - ic);
        GemmPacking.PackA(ABlock(ap, mPad, kg, pc, ic, kc), op.A + (ic * op.Lda) + pc, op.Lda, mc, kc, TKernel.Mr);
    }

    /// <summary>Packed A is k-block major: block pc holds all row strips for that block, strip i at i·kc.</summary>
    private static float* ABlock(float* ap, int mPad, int kg, int pc, int ic, int kc) =>
        ap + ((long)(pc - kg) * mPad) + ((long)ic * kc);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTile(in GemmOperands op, float* ap, int mPad, int kg, int kEnd, int m0, int m1, int n0, int n1)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        float[] buffer = ArrayPool<float>.Shared.Rent((Nc * Kc) + 16);
        float* edge = stackalloc float[mr * nr];
        try
        {
            fixed (float* raw = buffer)
            {
                float* bp = Align(raw);
                for (int pc = kg; pc < kEnd; pc += Kc)
                {
                    int kc = Math.Min(Kc, kEnd - pc);
                    bool add = op.Accumulate || pc > 0;
                    for (int jc = n0; jc < n1; jc += Nc)
                    {
                        int nc = Math.Min(Nc, n1 - jc);
                        if (op.B16 != null)
                        {
                            // Widened exactly while packing: the micro-kernel then sees the fp32 weight's bits.
                            GemmPackingBf16.PackBBf16(bp, op.B16, op.K, jc, pc, kc, nc, nr);
                        }
                        else
                        {
                            float* bBlock = op.TransposeB ? op.B + (jc * op.Ldb) + pc : op.B + (pc * op.Ldb) + jc;
                            GemmPacking.PackB(bp, bBlock, op.Ldb, op.TransposeB, kc, nc, nr);
                        }
                        for (int ic = m0; ic < m1; ic += Mc)
                        {
                            int mc = Math.Min(Mc, m1 - ic);
                            Macro(op, ABlock(ap, mPad, kg, pc, ic, kc), bp, edge, kc, mc, nc, op.C + (ic * op.Ldc) + jc, add);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro(in GemmOperands op, float* ap, float* bp, float* edge, int kc, int mc, int nc, float* c, bool add)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        nint ldc = op.Ldc;
        for (int jr = 0; jr < nc; jr += nr)
        {
            float* b = bp + (jr * kc);
            int cols = Math.Min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr)
            {
                float* a = ap + (ir * kc);
                float* ct = c + (ir * ldc) + jr;
                int rows = Math.Min(mr, mc - ir);
                if (rows == mr && cols == nr)
                {
                    TKernel.Run(kc, a, b, ct, ldc, add);
                }
                else
                {
                    TKernel.Run(kc, a, b, edge, nr, false);
                    MergeEdge(edge, nr, ct, ldc, rows, cols, add);
                }
            }
        }
    }

    private static void MergeEdge(float* edge, int nr, float* c, nint ldc, int rows, int cols, bool add)
    {
        for (int i = 0; i < rows; i++)
        {
            float* src = edge + (i * nr);
            float* dst = c + (i * ldc);
            for (int j = 0; j < cols; j++)
            {
                dst[j] = add ? dst[j] + src[j] : src[j];
            }
        }
    }

    /// <summary>64-byte alignment keeps every packed vector load within one cache line.</summary>
    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    private static int DivUp(int x, int y) => (x + y - 1) / y;

    private static long DivUp(long x, long y) => (x + y - 1) / y;

    private static int RoundUp(int x, int y) => DivUp(x, y) * y;

    /// <summary>How C is cut into tasks: column tiles of TileN, each split into RowSplits bands of TileM rows.</summary>
    private readonly record struct TilePlan(int TileM, int TileN, int RowSplits, int Tasks)
    {
        public static TilePlan For(int m, int n, int threads, int mr, int nr)
        {
            if (threads <= 1)
            {
                return new TilePlan(m, n, 1, 1);
            }

            int target = threads * TasksPerThread;

            // Tiles no wider than Nc (packed B stays in L2) and no narrower than four strips (A block reuse).
            int colTiles = Math.Clamp(target, DivUp(n, Nc), Math.Max(DivUp(n, 4 * nr), DivUp(n, Nc)));
            int rowSplits = Math.Clamp(DivUp(target, colTiles), 1, DivUp(m, Mc));
            int tileN = RoundUp(DivUp(n, colTiles), nr), tileM = RoundUp(DivUp(m, rowSplits), mr);
            colTiles = DivUp(n, tileN);
            rowSplits = DivUp(m, tileM);
            return new TilePlan(tileM, tileN, rowSplits, colTiles * rowSplits);
        }
    }
}
