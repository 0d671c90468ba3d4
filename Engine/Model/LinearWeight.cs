using System.Buffers;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>
/// A linear layer y = x·Wᵀ (+ b), W [Out, In] as the checkpoint lays it out, held either in fp32
/// (<see cref="Weight"/>) or, for bf16 checkpoints, as bf16 only (<see cref="Bf16Weight"/>): the managed kernels
/// widen bf16 exactly in registers with the same summation order, so both give the same bits.
/// </summary>
public sealed class LinearWeight
{
    public LinearWeight(int outFeatures, int inFeatures, float[] weight, float[]? bias = null)
        : this(outFeatures, inFeatures, bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        CheckLength(weight.LongLength);
        Weight = weight;
    }

    public LinearWeight(int outFeatures, int inFeatures, Bf16Matrix weight, float[]? bias = null)
        : this(outFeatures, inFeatures, bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rows != outFeatures || weight.Columns != inFeatures)
        {
            throw new ArgumentException($"bf16 weight is {weight.Rows}x{weight.Columns}, not {outFeatures}x{inFeatures}", nameof(weight));
        }

        Bf16Weight = weight;
    }

    private LinearWeight(int outFeatures, int inFeatures, float[]? bias)
    {
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Bias = bias;
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>The fp32 weight, or null when the weight is held as <see cref="Bf16Weight"/>.</summary>
    public float[]? Weight { get; }

    /// <summary>The bf16 weight, or null when the weight is held as <see cref="Weight"/>.</summary>
    public Bf16Matrix? Bf16Weight { get; }

    public float[]? Bias { get; }

    public long ParameterCount => (long)OutFeatures * InFeatures + (Bias?.Length ?? 0);

    /// <summary>Bytes of weight and bias held in memory (what one product over every row reads).</summary>
    public long Bytes => (Bf16Weight?.Bytes ?? (Weight!.LongLength * sizeof(float))) + ((Bias?.LongLength ?? 0) * sizeof(float));

    /// <summary>Row <paramref name="row"/> of W as fp32 (an embedding look-up).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)OutFeatures, nameof(row));
        if (Bf16Weight is { } w16)
        {
            w16.WidenRow(row, destination);
        }
        else
        {
            Weight.AsSpan(row * InFeatures, InFeatures).CopyTo(destination);
        }
    }

    /// <summary>The whole of W as fp32 (a new array when it is held as bf16).</summary>
    public float[] ToSingle()
    {
        if (Weight is { } w)
        {
            return w;
        }

        var widened = new float[(long)OutFeatures * InFeatures];
        Bf16Weight!.WidenTo(widened);
        return widened;
    }

    /// <summary>y[rows, Out] = x[rows, In] · Wᵀ + b, rounded to bf16 when <paramref name="bf16"/>.</summary>
    public void Forward(IGemm gemm, ReadOnlySpan<float> x, int rows, Span<float> y, bool bf16 = false)
    {
        if (rows == 0)
        {
            return;
        }

        if (Weight is { } w)
        {
            gemm.Sgemm(true, rows, OutFeatures, InFeatures, x, InFeatures, w, InFeatures, y, OutFeatures);
        }
        else if (gemm is ManagedGemm managed)
        {
            managed.LinearBf16(x, Bf16Weight!, y, rows);
        }
        else
        {
            // Other kernels take fp32 only: widen per call (correct, but it costs a pass over the weight).
            var widened = ArrayPool<float>.Shared.Rent(OutFeatures * InFeatures);
            try
            {
                Bf16Weight!.WidenTo(widened);
                gemm.Sgemm(true, rows, OutFeatures, InFeatures, x, InFeatures, widened, InFeatures, y, OutFeatures);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(widened);
            }
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

    private void CheckLength(long length)
    {
        if (length != (long)OutFeatures * InFeatures)
        {
            throw new ArgumentException($"weight holds {length} values, not {OutFeatures}x{InFeatures}", "weight");
        }
    }
}
