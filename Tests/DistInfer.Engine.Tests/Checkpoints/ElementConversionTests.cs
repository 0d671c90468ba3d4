using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Tests.Checkpoints;

public sealed class ElementConversionTests
{
    [Theory]
    [InlineData(0x3F808000u, (ushort)0x3F80)] // exactly half way, even stays
    [InlineData(0x3F818000u, (ushort)0x3F82)] // exactly half way, odd rounds up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above half way
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below half way
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +inf
    [InlineData(0x80000000u, (ushort)0x8000)] // -0
    public void SingleToBFloat16_Scalar_RoundsToNearestEven(uint bits, ushort expected)
    {
        Assert.Equal(expected, ElementConversion.SingleToBFloat16(BitConverter.UInt32BitsToSingle(bits)));
    }

    [Fact]
    public void SingleToBFloat16_VectorAndScalar_AgreeIncludingNaN()
    {
        var random = new Random(7);
        var source = new float[1037];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
        }

        source[5] = float.NaN;
        source[6] = BitConverter.UInt32BitsToSingle(0x7F800001u); // signalling NaN must stay NaN, not become inf
        var vectorised = new ushort[source.Length];

        ElementConversion.SingleToBFloat16(source, vectorised);

        for (int i = 0; i < source.Length; i++)
        {
            Assert.Equal(ElementConversion.SingleToBFloat16(source[i]), vectorised[i]);
        }

        Assert.True(float.IsNaN(ElementConversion.BFloat16ToSingle(vectorised[6])));
    }

    [Fact]
    public void BFloat16ToSingle_VectorWithTail_ShiftsEveryElement()
    {
        var source = new ushort[53];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (ushort)(0x3F80 + i * 97);
        }

        var destination = new float[53];
        ElementConversion.BFloat16ToSingle(source, destination);

        for (int i = 0; i < source.Length; i++)
        {
            Assert.Equal((uint)source[i] << 16, BitConverter.SingleToUInt32Bits(destination[i]));
        }
    }

    [Fact]
    public void Int32ToSingle_VectorWithTail_ConvertsEveryElement()
    {
        int[] source = Enumerable.Range(-20, 37).Select(i => i * 1001).ToArray();
        var destination = new float[source.Length];

        ElementConversion.Int32ToSingle(source, destination);

        Assert.Equal(source.Select(i => (float)i), destination);
    }

    [Fact]
    public void BFloat16ToSingle_LengthMismatch_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ElementConversion.BFloat16ToSingle(new ushort[4], new float[5]));
    }
}
