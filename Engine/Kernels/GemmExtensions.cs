namespace DistInfer.Engine.Kernels;

public static class GemmExtensions
{
    /// <summary>
    /// The linear layer: y[rows, outFeatures] = x[rows, inFeatures] · weightᵀ (+ y when accumulating), with the
    /// weight in its checkpoint layout [outFeatures, inFeatures] and all three matrices densely packed.
    /// </summary>
    public static void Linear(this IGemm gemm, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y,
        int rows, int inFeatures, int outFeatures, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(gemm);
        gemm.Sgemm(true, rows, outFeatures, inFeatures, x, inFeatures, weight, inFeatures, y, outFeatures, accumulate);
    }
}
