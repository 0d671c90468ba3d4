namespace DistInfer.Engine.Kernels;

/// <summary>
/// Row-major single-precision matrix product, the one kernel every linear layer goes through:
/// C[m,n] = A[m,k] · B (+ C when <paramref name="accumulate"/>), where B is stored [n,k] when
/// <paramref name="transposeB"/> (a linear layer's weight) and [k,n] otherwise.
/// Implementations must be thread-safe and may use several threads internally.
/// </summary>
public interface IGemm
{
    string Name { get; }

    void Sgemm(bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        bool accumulate = false);
}
