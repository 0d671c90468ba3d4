using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistInfer.Engine.Tensors;

/// <summary>bf16 rounding of fp32 values (round to nearest even), used to reproduce bf16 compute.</summary>
public static class BFloat16
{
    public static float Round(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7F800000) == 0x7F800000)
        {
            return value; // inf and NaN pass through
        }

        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }

    /// <summary>Rounds every value in place.</summary>
    public static void Round(Span<float> values)
    {
        var i = 0;
        if (Avx2.IsSupported && values.Length >= 8)
        {
            var bias = Vector256.Create(0x7FFFu);
            var one = Vector256.Create(1u);
            var mask = Vector256.Create(0xFFFF0000u);
            var expMask = Vector256.Create(0x7F800000u);
            ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            for (; i <= values.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32();
                var rounded = (v + bias + ((v >> 16) & one)) & mask;
                var special = Vector256.Equals(v & expMask, expMask);
                Vector256.ConditionalSelect(special, v, rounded).AsSingle().StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = Round(values[i]);
        }
    }
}
