using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

public sealed class Bf16Tests
{
    [Fact]
    public void FromFloat_HalfwayBetweenTwoBf16_RoundsToEven()
    {
        // 1 + 2^-8 lies halfway between 1.0 and 1.0078125: ties go to the even mantissa (1.0).
        Assert.Equal(1.0f, Bf16.Round(1.0f + MathF.Pow(2, -8)));
        // 1 + 3 * 2^-8 lies halfway between 1.0078125 and 1.015625: the even one is 1.015625.
        Assert.Equal(1.015625f, Bf16.Round(1.0f + 3 * MathF.Pow(2, -8)));
    }

    [Fact]
    public void FromFloat_NaN_StaysNaN()
    {
        Assert.True(float.IsNaN(Bf16.ToFloat(Bf16.FromFloat(float.NaN))));
        Assert.Equal(float.PositiveInfinity, Bf16.Round(float.PositiveInfinity));
    }

    [Fact]
    public void RoundTrip_EveryBf16BitPattern_IsExact()
    {
        for (int bits = 0; bits < 0x10000; bits++)
        {
            float f = Bf16.ToFloat((ushort)bits);
            if (!float.IsNaN(f))
            {
                Assert.Equal((ushort)bits, Bf16.FromFloat(f));
            }
        }
    }

    [Fact]
    public void FromFloat_RandomValues_MatchesTheEngineConversion()
    {
        var rng = new Random(11);
        for (int i = 0; i < 100_000; i++)
        {
            float f = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-20, 20)));
            Assert.Equal(ElementConversion.SingleToBFloat16(f), Bf16.FromFloat(f));
        }
    }

    [Fact]
    public void FromFloat_Spans_ConvertElementwise()
    {
        float[] values = [0f, -2.5f, 3.14159f, 65504f];
        var bits = new ushort[values.Length];
        var back = new float[values.Length];
        Bf16.FromFloat(values, bits);
        Bf16.ToFloat(bits, back);
        Assert.Equal(values.Select(Bf16.Round).ToArray(), back);
    }
}
