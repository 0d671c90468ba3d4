using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>
/// A linear layer y = x·Wᵀ (+ b), W stored [Out, In] in fp32 as the checkpoint lays it out, and optionally also
/// as bf16 for decode-sized products (see <see cref="KeepBf16Copy"/>).
/// </summary>
public sealed class LinearWeight(int outFeatures, int inFeatures, float[] weight, float[]? bias = null)
{
    /// <summary>Rows up to which the bf16 copy is used: two passes over bf16 read the bytes of one over fp32.</summary>
    public const int Bf16MaxRows = 2 * SkinnyGemm.RowsPerPass;

    public int OutFeatures { get; } = outFeatures;
    public int InFeatures { get; } = inFeatures;
    public float[] Weight { get; } = weight;
    public float[]? Bias { get; } = bias;

    /// <summary>The weight as raw bf16 bits [Out, In] when <see cref="KeepBf16Copy"/> made one, else null.</summary>
    public ushort[]? Bf16Weight { get; private set; }

    public long ParameterCount => (long)OutFeatures * InFeatures + (Bias?.Length ?? 0);

    /// <summary>
    /// Keeps a bf16 copy of the weight for products of at most <see cref="Bf16MaxRows"/> rows with the managed
    /// kernels, when every value is exactly a bf16 (a bf16 checkpoint widened at load): decode then streams half
    /// the bytes and computes exactly what the fp32 weight gives. Returns false (no copy) for any other weight,
    /// so fp32 checkpoints keep fp32 numerics. Call at load, before the layer is used from several threads.
    /// </summary>
    public bool KeepBf16Copy()
    {
        if (Bf16Weight is not null)
        {
            return true;
        }

        var bits = MemoryMarshal.Cast<float, uint>(Weight.AsSpan());
        if (!AllLowHalvesZero(bits))
        {
            return false;
        }

        var copy = GC.AllocateUninitializedArray<ushort>(bits.Length);
        for (var i = 0; i < bits.Length; i++)
        {
            copy[i] = (ushort)(bits[i] >> 16);
        }

        Bf16Weight = copy;
        return true;
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
            managed.LinearBf16(x, w16, y, rows, InFeatures, OutFeatures);
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

    private static bool AllLowHalvesZero(ReadOnlySpan<uint> bits)
    {
        var i = 0;
        var any = Vector256<uint>.Zero;
        ref var start = ref MemoryMarshal.GetReference(bits);
        for (; i + 8 <= bits.Length; i += 8)
        {
            any |= Vector256.LoadUnsafe(ref start, (nuint)i);
        }

        var low = (any & Vector256.Create(0xFFFFu)) != Vector256<uint>.Zero;
        for (; i < bits.Length && !low; i++)
        {
            low = (bits[i] & 0xFFFF) != 0;
        }

        return !low;
    }
}
