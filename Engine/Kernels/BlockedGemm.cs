using System.Buffers;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// The cache-blocked product for everything but skinny shapes. C is cut into column tiles (and, when there
/// are more threads than column tiles, row bands) that run in parallel; each task packs a kc × nc block of B
/// once (L2/L3 resident) and reuses it for every mc × kc block of A it packs (L2 resident), while the
/// micro-kernel streams one kc × Nr strip of B from L1.
/// </summary>
internal static unsafe class BlockedGemm<TKernel>
    where TKernel : struct, IMicroKernel
{
    private const int Kc = 256;

    /// <summary>Below this many flops one thread finishes before the pool would hand out the tasks.</summary>
    private const double ParallelMinFlops = 4e6;

    private static int Mc => TKernel.Mr * 16;

    private static int Nc => TKernel.Nr * 16;

    public static void Run(in GemmOperands op, int threads)
    {
        if (threads <= 1 || op.Flops < ParallelMinFlops)
        {
            RunTile(op, 0, op.M, 0, op.N);
            return;
        }

        int mr = TKernel.Mr, nr = TKernel.Nr;
        int colTiles = DivUp(op.N, Nc);
        int rowSplits = Math.Clamp(DivUp(threads, colTiles), 1, DivUp(op.M, mr));

        // Make the task count a multiple of the thread count so the last round is not half idle.
        int tasks = RoundUp(colTiles * rowSplits, threads);
        colTiles = Math.Min(DivUp(tasks, rowSplits), DivUp(op.N, nr));
        int tileN = RoundUp(DivUp(op.N, colTiles), nr);
        colTiles = DivUp(op.N, tileN);
        int tileM = RoundUp(DivUp(op.M, rowSplits), mr);
        rowSplits = DivUp(op.M, tileM);

        GemmOperands operands = op;
        Parallel.For(0, colTiles * rowSplits, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int m0 = t % rowSplits * tileM, n0 = t / rowSplits * tileN;
            RunTile(operands, m0, Math.Min(operands.M, m0 + tileM), n0, Math.Min(operands.N, n0 + tileN));
        });
    }

    private static void RunTile(in GemmOperands op, int m0, int m1, int n0, int n1)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int sizeA = Mc * Kc, sizeB = Nc * Kc;
        float[] buffer = ArrayPool<float>.Shared.Rent(sizeA + sizeB + 16);
        float* edge = stackalloc float[mr * nr];
        try
        {
            fixed (float* raw = buffer)
            {
                // 64-byte alignment keeps every packed vector load within one cache line.
                float* ap = (float*)(((nint)raw + 63) & ~(nint)63);
                float* bp = ap + sizeA;
                for (int pc = 0; pc < op.K; pc += Kc)
                {
                    int kc = Math.Min(Kc, op.K - pc);
                    bool add = op.Accumulate || pc > 0;
                    for (int jc = n0; jc < n1; jc += Nc)
                    {
                        int nc = Math.Min(Nc, n1 - jc);
                        float* bBlock = op.TransposeB ? op.B + (jc * op.Ldb) + pc : op.B + (pc * op.Ldb) + jc;
                        GemmPacking.PackB(bp, bBlock, op.Ldb, op.TransposeB, kc, nc, nr);
                        for (int ic = m0; ic < m1; ic += Mc)
                        {
                            int mc = Math.Min(Mc, m1 - ic);
                            GemmPacking.PackA(ap, op.A + (ic * op.Lda) + pc, op.Lda, mc, kc, mr);
                            Macro(op, ap, bp, edge, kc, mc, nc, op.C + (ic * op.Ldc) + jc, add);
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

    private static int DivUp(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int y) => DivUp(x, y) * y;
}
