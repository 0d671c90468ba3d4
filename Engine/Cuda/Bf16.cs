namespace DistInfer.Engine.Cuda;

/// <summary>bfloat16 conversions on the host, bit-exact with the device's (round to nearest even, quiet NaN).</summary>
public static class Bf16
{
    public static ushort FromFloat(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffffu) > 0x7f800000u)
        {
            return (ushort)((u >> 16) | 0x40u);
        }

        u += 0x7fffu + ((u >> 16) & 1u);
        return (ushort)(u >> 16);
    }

    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    public static void FromFloat(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination shorter than source", nameof(destination));
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = FromFloat(source[i]);
        }
    }

    public static void ToFloat(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination shorter than source", nameof(destination));
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = ToFloat(source[i]);
        }
    }

    /// <summary>float -> bf16 -> float: what a value becomes when stored as bf16.</summary>
    public static float Round(float value) => ToFloat(FromFloat(value));
}
