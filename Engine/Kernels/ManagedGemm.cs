using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Pure managed sgemm: always available and exact to fp32 rounding. Large products go through a cache-blocked,
/// packed, register-tiled kernel (AVX-512, AVX2 or 128-bit vectors); products with at most
/// <see cref="SkinnyGemm.RowsPerPass"/> rows of A (decode) stream B unpacked at memory speed.
/// Thread-safe: calls share no mutable state.
/// </summary>
public sealed class ManagedGemm : IGemm
{
    /// <param name="maxThreads">Threads one call may use; 0 means one per processor.</param>
    /// <param name="kernel">The SIMD width; <see cref="ManagedGemmKernel.Auto"/> picks the widest accelerated.</param>
    public ManagedGemm(int maxThreads = 0, ManagedGemmKernel kernel = ManagedGemmKernel.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxThreads);
        MaxThreads = maxThreads == 0 ? Environment.ProcessorCount : maxThreads;
        Kernel = kernel == ManagedGemmKernel.Auto ? BestKernel() : kernel;
        if (!IsSupported(Kernel))
        {
            throw new PlatformNotSupportedException($"the {Kernel} gemm kernel needs hardware this processor lacks");
        }
    }

    public string Name => "managed";

    public int MaxThreads { get; }

    public ManagedGemmKernel Kernel { get; }

    /// <summary>
    /// Threads for decode-sized products (default: all of <see cref="MaxThreads"/>; DISTINFER_DECODE_THREADS
    /// overrides). On the quiet 2-core VM two threads decode faster (40.3 vs 33.4 tok/s); on the same VM loaded by
    /// other processes one thread was faster, since a descheduled helper thread stalls every product.
    /// </summary>
    public int SkinnyThreads { get; init; } = DefaultSkinnyThreads();

    private static int DefaultSkinnyThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable("DISTINFER_DECODE_THREADS"), out var n) && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>Products with at most this many rows of A take the unpacked streaming path (tests lower it to 0).</summary>
    internal int SkinnyMaxRows { get; init; } = SkinnyGemm.RowsPerPass;

    /// <summary>
    /// Every row of a product is computed as it would be alone: every element is summed in the order of decode's dot
    /// kernels (the packed kernels above <see cref="SkinnyGemm.RowsPerPass"/> rows sum in another), by those kernels
    /// with B in cache-sized blocks shared by all rows, or from <see cref="InvariantPackedMinRows"/> rows with B [n,k]
    /// by <see cref="InvariantBlockedGemm{TKernel}"/>. A token's activations then do not depend on which other tokens
    /// shared its step, so a re-prefill after a fault rebuilds the KV cache bit for bit and greedy output goes on as
    /// it would have. B [k,n] with many rows (no engine product) stays slow (bench/RESULTS.md).
    /// </summary>
    public bool BatchInvariant { get; init; }

    /// <summary>
    /// Batch-invariant products with B [n,k] and at least this many rows run <see cref="InvariantBlockedGemm{TKernel}"/>
    /// (same bits as the dot kernels, packed speed); fewer rows stream B through the dot kernels, which read it once.
    /// </summary>
    internal int InvariantPackedMinRows { get; init; } = 24;

    /// <summary>"managed (Vector512 6x32, 2 threads)", for logs.</summary>
    public string Description => $"managed ({Kernel} {TileName(Kernel)}, {MaxThreads} threads{(BatchInvariant ? ", batch-invariant" : "")})";

    /// <summary>Whether the processor accelerates <paramref name="kernel"/> (128-bit always runs, maybe emulated).</summary>
    public static bool IsSupported(ManagedGemmKernel kernel) => kernel switch
    {
        ManagedGemmKernel.Auto or ManagedGemmKernel.Vector128 => true,
        ManagedGemmKernel.Vector256 => Vector256.IsHardwareAccelerated,
        ManagedGemmKernel.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    public unsafe void Sgemm(bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        bool accumulate = false)
    {
        if (GemmArgs.ValidateAndHandleEmpty(transposeB, m, n, k, a.Length, lda, b.Length, ldb, c, ldc, accumulate))
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Run(new GemmOperands(transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate));
        }
    }

    /// <summary>
    /// The linear layer with a bf16 weight: y[rows, Out] (+)= x[rows, In] · weightᵀ, the weight [Out, In] as
    /// <see cref="Bf16Matrix"/>. The same kernels as <see cref="Sgemm"/> run, reading the weight as bf16 (half the
    /// bytes) and widening it exactly in registers or while packing, so the result is bit for bit that of
    /// <see cref="Sgemm"/> with the widened weight, for any number of rows.
    /// </summary>
    public unsafe void LinearBf16(ReadOnlySpan<float> x, Bf16Matrix weight, Span<float> y, int rows, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(weight);
        int n = weight.Rows, k = weight.Columns;
        if (GemmArgs.ValidateAndHandleEmpty(true, rows, n, k, x.Length, k, weight.Data.Length, k, y, n, accumulate))
        {
            return;
        }

        fixed (float* pa = x)
        fixed (ushort* pb = weight.Data)
        fixed (float* pc = y)
        {
            Run(new GemmOperands(rows, n, k, pa, k, pb, pc, n, accumulate));
        }
    }

    private void Run(in GemmOperands op)
    {
        if (BatchInvariant && op.TransposeB && op.M >= InvariantPackedMinRows)
        {
            RunInvariantPacked(op);
            return;
        }

        if (op.M <= SkinnyMaxRows || BatchInvariant)
        {
            SkinnyGemm.Run(op, Math.Min(MaxThreads, SkinnyThreads));
            return;
        }

        switch (Kernel)
        {
            case ManagedGemmKernel.Vector512:
                BlockedGemm<MicroKernel6x32>.Run(op, MaxThreads);
                break;
            case ManagedGemmKernel.Vector256:
                BlockedGemm<MicroKernel6x16>.Run(op, MaxThreads);
                break;
            default:
                BlockedGemm<MicroKernel6x8>.Run(op, MaxThreads);
                break;
        }
    }

    private void RunInvariantPacked(in GemmOperands op)
    {
        switch (Kernel)
        {
            case ManagedGemmKernel.Vector512:
                InvariantBlockedGemm<MicroKernel6x32>.Run(op, MaxThreads);
                break;
            case ManagedGemmKernel.Vector256:
                InvariantBlockedGemm<MicroKernel6x16>.Run(op, MaxThreads);
                break;
            default:
                InvariantBlockedGemm<MicroKernel6x8>.Run(op, MaxThreads);
                break;
        }
    }

    private static ManagedGemmKernel BestKernel() =>
        Vector512.IsHardwareAccelerated ? ManagedGemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? ManagedGemmKernel.Vector256
        : ManagedGemmKernel.Vector128;

    private static string TileName(ManagedGemmKernel kernel) => kernel switch
    {
        ManagedGemmKernel.Vector512 => "6x32",
        ManagedGemmKernel.Vector256 => "6x16",
        _ => "6x8",
    };
}
