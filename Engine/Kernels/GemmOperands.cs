namespace DistInfer.Engine.Kernels;

/// <summary>One product's pinned operands, shared read-only by the worker tasks of a call.</summary>
internal readonly unsafe struct GemmOperands
{
    public GemmOperands(bool transposeB, int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        TransposeB = transposeB;
        M = m;
        N = n;
        K = k;
        A = a;
        Lda = lda;
        B = b;
        Ldb = ldb;
        C = c;
        Ldc = ldc;
        Accumulate = accumulate;
    }

    /// <summary>A linear layer's product with a bf16 weight <paramref name="b16"/> stored [n,k] (B is unused).</summary>
    public GemmOperands(int m, int n, int k, float* a, nint lda, ushort* b16, float* c, nint ldc, bool accumulate)
        : this(true, m, n, k, a, lda, null, k, c, ldc, accumulate)
    {
        B16 = b16;
    }

    public bool TransposeB { get; }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public float* A { get; }

    public nint Lda { get; }

    public float* B { get; }

    public nint Ldb { get; }

    /// <summary>B as bf16 [n,k] (then <see cref="B"/> is null), widened exactly wherever it is read.</summary>
    public ushort* B16 { get; }

    public float* C { get; }

    public nint Ldc { get; }

    public bool Accumulate { get; }

    public double Flops => 2.0 * M * N * K;
}
