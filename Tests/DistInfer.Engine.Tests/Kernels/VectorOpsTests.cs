using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

public sealed class VectorOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void RmsNorm_RandomVector_MatchesDoubleReference(int n)
    {
        float[] x = Random(n, 1), w = Random(n, 2), dst = new float[n];
        VectorOps.RmsNorm(x, w, 1e-5f, dst);
        double ms = x.Sum(v => (double)v * v) / n;
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(x[i] / Math.Sqrt(ms + 1e-5) * w[i], dst[i], 1e-5);
        }
    }

    [Fact]
    public void RmsNorm_InPlace_SameAsSeparateOutput()
    {
        float[] x = Random(300, 3), w = Random(300, 4), expected = new float[300];
        VectorOps.RmsNorm(x, w, 1e-6f, expected);
        VectorOps.RmsNorm(x, w, 1e-6f, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void RmsNorm_WeightLengthMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => VectorOps.RmsNorm(new float[4], new float[3], 1e-5f, new float[4]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SiluMul_IntoGateOrSeparate_MatchesDoubleReference(bool inPlace)
    {
        const int n = 1000;
        float[] gate = Random(n, 5, scale: 8), up = Random(n, 6), dst = inPlace ? gate : new float[n];
        float[] g0 = (float[])gate.Clone();
        VectorOps.SiluMul(gate, up, dst);
        for (int i = 0; i < n; i++)
        {
            double silu = g0[i] / (1 + Math.Exp(-g0[i]));
            Assert.Equal(silu * up[i], dst[i], 1e-5);
        }
    }

    [Fact]
    public void Softmax_LargeLogits_NoOverflowAndSumsToOne()
    {
        float[] x = [1000f, 999f, 998f, -1000f];
        float[] p = new float[4];
        VectorOps.Softmax(x, p);
        double z = 1 + Math.Exp(-1) + Math.Exp(-2);
        Assert.Equal(1 / z, p[0], 1e-6);
        Assert.Equal(Math.Exp(-1) / z, p[1], 1e-6);
        Assert.Equal(Math.Exp(-2) / z, p[2], 1e-6);
        Assert.Equal(0f, p[3]);
        Assert.Equal(1.0, p.Sum(), 1e-6);
    }

    [Fact]
    public void RotateHalf_QuarterTurn_MovesSecondHalfIntoFirst()
    {
        float[] x = [1, 2, 3, 4, 5, 6];
        VectorOps.RotateHalf(x, [0, 1, 0], [1, 0, 1]);

        // Pair (x[i], x[i+3]): angle 90° for i = 0, 2 → (−b, a); angle 0 for i = 1 → unchanged.
        Assert.Equal([-4f, 2, -6, 1, 5, 3], x);
    }

    [Fact]
    public void RotateHalf_OddHeadSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => VectorOps.RotateHalf(new float[5], new float[2], new float[2]));
    }

    private static float[] Random(int n, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale)).ToArray();
    }
}
