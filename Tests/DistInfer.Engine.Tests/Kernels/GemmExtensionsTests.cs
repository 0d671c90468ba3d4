using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

public sealed class GemmExtensionsTests
{
    [Fact]
    public void Linear_TwoTokensThroughOutByInWeight_ComputesXTimesWeightTransposed()
    {
        float[] x = [1, 2, 3, 4, 5, 6];                  // 2 tokens × 3 features
        float[] w = [1, 0, 0, 0, 1, 1, 1, 1, 1, 2, 0, -1];  // 4 outputs × 3 inputs
        float[] y = new float[8];
        Gemm.Managed.Linear(x, w, y, rows: 2, inFeatures: 3, outFeatures: 4);
        Assert.Equal([1f, 5, 6, -1, 4, 11, 15, 2], y);
    }

    [Fact]
    public void Linear_Accumulate_AddsToResidual()
    {
        float[] y = [10, 20];
        Gemm.Managed.Linear([1, 2], [3, 4, 5, 6], y, rows: 1, inFeatures: 2, outFeatures: 2, accumulate: true);
        Assert.Equal([21f, 37], y);
    }
}
