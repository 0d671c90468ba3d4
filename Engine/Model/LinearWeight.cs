using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>A linear layer y = x·Wᵀ (+ b), W stored [Out, In] in fp32 as the checkpoint lays it out.</summary>
public sealed class LinearWeight(int outFeatures, int inFeatures, float[] weight, float[]? bias = null)
{
    public int OutFeatures { get; } = outFeatures;
    public int InFeatures { get; } = inFeatures;
    public float[] Weight { get; } = weight;
    public float[]? Bias { get; } = bias;

    public long ParameterCount => (long)OutFeatures * InFeatures + (Bias?.Length ?? 0);

    /// <summary>y[rows, Out] = x[rows, In] · Wᵀ + b, rounded to bf16 when <paramref name="bf16"/>.</summary>
    public void Forward(IGemm gemm, ReadOnlySpan<float> x, int rows, Span<float> y, bool bf16 = false)
    {
        if (rows == 0)
        {
            return;
        }

        gemm.Sgemm(true, rows, OutFeatures, InFeatures, x, InFeatures, Weight, InFeatures, y, OutFeatures);
        if (Bias is { } b)
        {
            for (var r = 0; r < rows; r++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(y.Slice(r * OutFeatures, OutFeatures), b, y.Slice(r * OutFeatures, OutFeatures));
            }
        }

        if (bf16)
        {
            Tensors.BFloat16.Round(y[..(rows * OutFeatures)]);
        }
    }
}
