using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>
/// A linear layer y = x·Wᵀ (+ b), W stored [Out, In] in fp32 as the checkpoint lays it out, and optionally also
/// as bf16 for decode-sized products (see <see cref="KeepBf16Copy"/>).
/// </summary>
public sealed class LinearWeight(int outFeatures, int inFeatures, float[] weight, float[]? bias = null)
{
    /// <summary>Rows up to which the bf16 copy is used (batched decode); larger products take the fp32 blocked kernel.</summary>
    public const int Bf16MaxRows = 8;

    public int OutFeatures { get; } = outFeatures;
    public int InFeatures { get; } = inFeatures;
    public float[] Weight { get; } = weight;
    public float[]? Bias { get; } = bias;

    /// <summary>The weight as bf16 panels when <see cref="KeepBf16Copy"/> made them, else null.</summary>
    public Bf16Panels? Bf16Weight { get; private set; }

    public long ParameterCount => (long)OutFeatures * InFeatures + (Bias?.Length ?? 0);

    /// <summary>
    /// Keeps a bf16 copy of the weight for products of at most <see cref="Bf16MaxRows"/> rows with the managed
    /// kernels, when every value is exactly a bf16 (a bf16 checkpoint widened at load): decode then streams half
    /// the bytes and computes exactly what the fp32 weight gives. Returns false (no copy) for any other weight,
    /// so fp32 checkpoints keep fp32 numerics. Call at load, before the layer is used from several threads.
    /// </summary>
    public bool KeepBf16Copy()
    {
        Bf16Weight ??= Bf16Panels.TryCreate(Weight, OutFeatures, InFeatures);
        return Bf16Weight is not null;
    }

    /// <summary>y[rows, Out] = x[rows, In] · Wᵀ + b, rounded to bf16 when <paramref name="bf16"/>.</summary>
    public void Forward(IGemm gemm, ReadOnlySpan<float> x, int rows, Span<float> y, bool bf16 = false)
    {
        if (rows == 0)
        {
            return;
        }

        if (Bf16Weight is { } w16 && rows <= Bf16MaxRows && gemm is ManagedGemm managed)
        {
            managed.LinearBf16(x, w16, y, rows);
        }
        else
        {
            gemm.Sgemm(true, rows, OutFeatures, InFeatures, x, InFeatures, Weight, InFeatures, y, OutFeatures);
        }

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
