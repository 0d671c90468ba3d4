using System.Runtime.InteropServices;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>A tensor held in memory, ready for <see cref="SafeTensorsWriter"/>: little-endian bytes of <paramref name="DType"/>.</summary>
public sealed record TensorData(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    public TensorSpec Spec => new(Name, DType, Shape);

    public static TensorData FromFloat32(string name, long[] shape, ReadOnlySpan<float> values) =>
        new(name, DType.F32, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Stores <paramref name="values"/> as BF16, rounding to nearest even.</summary>
    public static TensorData FromFloat32AsBFloat16(string name, long[] shape, ReadOnlySpan<float> values)
    {
        var bits = new ushort[values.Length];
        ElementConversion.SingleToBFloat16(values, bits);
        return new(name, DType.BF16, shape, MemoryMarshal.AsBytes(bits.AsSpan()).ToArray());
    }

    public static TensorData FromFloat32AsHalf(string name, long[] shape, ReadOnlySpan<float> values)
    {
        var halves = new Half[values.Length];
        ElementConversion.SingleToHalf(values, halves);
        return new(name, DType.F16, shape, MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
    }

    public static TensorData FromInt64(string name, long[] shape, ReadOnlySpan<long> values) =>
        new(name, DType.I64, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData FromInt32(string name, long[] shape, ReadOnlySpan<int> values) =>
        new(name, DType.I32, shape, MemoryMarshal.AsBytes(values).ToArray());
}
