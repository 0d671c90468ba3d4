using System.Runtime.InteropServices;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Tests.Checkpoints;

public sealed class RandomFillTests
{
    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    public void Uniform_SplitAtChunkBoundary_EqualsOneCall(DType dtype)
    {
        int size = dtype.SizeInBytes();
        int elements = (3 * RandomFill.ChunkElements) + 5;
        var whole = new byte[elements * size];
        var split = new byte[elements * size];

        RandomFill.Uniform(whole, dtype, 77, 0, 0.1f);
        int cut = 2 * RandomFill.ChunkElements * size;
        RandomFill.Uniform(split.AsMemory(0, cut), dtype, 77, 0, 0.1f);
        RandomFill.Uniform(split.AsMemory(cut), dtype, 77, 2 * RandomFill.ChunkElements, 0.1f);

        Assert.Equal(whole, split);
        Assert.NotEqual(whole.AsSpan(0, 64).ToArray(), whole.AsSpan(RandomFill.ChunkElements * size, 64).ToArray());
    }

    [Fact]
    public void Uniform_F32_StaysInBoundWithUniformMoments()
    {
        var bytes = new byte[4 * 1_000_003];
        RandomFill.Uniform(bytes, DType.F32, 3, 0, 0.5f);
        var values = MemoryMarshal.Cast<byte, float>(bytes);

        double sum = 0;
        double sumSquares = 0;
        foreach (float v in values)
        {
            Assert.InRange(v, -0.5f, 0.5f);
            sum += v;
            sumSquares += (double)v * v;
        }

        double mean = sum / values.Length;
        double variance = (sumSquares / values.Length) - (mean * mean);
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(variance, (1.0 / 12) * 0.99, (1.0 / 12) * 1.01);
        Assert.NotEqual(0f, values[^1]);
    }

    [Fact]
    public void Uniform_StartNotOnChunkBoundary_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => RandomFill.Uniform(new byte[8], DType.F32, 1, 3, 0.1f));
    }

    [Fact]
    public void TensorSeed_DifferentNamesOrSeeds_Differ()
    {
        Assert.NotEqual(RandomFill.TensorSeed(1, "a.weight"), RandomFill.TensorSeed(1, "b.weight"));
        Assert.NotEqual(RandomFill.TensorSeed(1, "a.weight"), RandomFill.TensorSeed(2, "a.weight"));
        Assert.Equal(RandomFill.TensorSeed(1, "a.weight"), RandomFill.TensorSeed(1, "a.weight"));
    }
}
