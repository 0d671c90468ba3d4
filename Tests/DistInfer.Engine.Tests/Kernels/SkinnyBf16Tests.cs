using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>
/// Decode-sized products with bf16 weights read as bf16: the result must be the fp32 product with the exactly
/// widened weights (up to summation order), on every tail of k and n, one to eight rows, in both C modes.
/// </summary>
public sealed class SkinnyBf16Tests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var m in new[] { 1, 2, 3, 4, 5, 8 })
        {
            foreach (var (n, k) in new[] { (1, 1), (3, 2), (17, 31), (5, 32), (33, 33), (130, 63), (7, 65), (300, 300), (1030, 1024), (64, 2817) })
            {
                data.Add(m, n, k);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LinearBf16_Shape_MatchesReferenceWithWidenedWeights(int m, int n, int k)
    {
        var gemm = new ManagedGemm(2);
        var rng = new Random((m * 31) + (n * 7) + k);
        var x = Values(rng, m * k);
        var w16 = Bf16Values(rng, n * k);
        var y = new float[m * n];
        Array.Fill(y, float.NaN);

        var panels = Panels(w16, n, k);
        gemm.LinearBf16(x, panels, y, m);
        AssertMatches(x, w16, y, null, m, n, k);

        var before = Values(rng, m * n);
        var accumulated = (float[])before.Clone();
        gemm.LinearBf16(x, panels, accumulated, m, accumulate: true);
        AssertMatches(x, w16, accumulated, before, m, n, k);
    }

    [Fact]
    public void LinearBf16_OneThread_MatchesReference()
    {
        var gemm = new ManagedGemm(1);
        var rng = new Random(5);
        var x = Values(rng, 1024);
        var w16 = Bf16Values(rng, 700 * 1024);
        var y = new float[700];
        gemm.LinearBf16(x, Panels(w16, 700, 1024), y, 1);
        AssertMatches(x, w16, y, null, 1, 700, 1024);
    }

    [Fact]
    public async Task LinearBf16_ConcurrentCallers_EachMatchesReference()
    {
        // Callers that find the helper threads busy fall back to the thread pool; every result must still be right.
        var gemm = new ManagedGemm(2);
        var rng = new Random(9);
        var w16 = Bf16Values(rng, 1500 * 512);
        var panels = Panels(w16, 1500, 512);
        var inputs = Enumerable.Range(0, 8).Select(_ => Values(rng, 512)).ToArray();
        var outputs = await Task.WhenAll(inputs.Select(x => Task.Run(() =>
        {
            var y = new float[1500];
            for (var r = 0; r < 20; r++)
            {
                gemm.LinearBf16(x, panels, y, 1);
            }

            return y;
        })));
        for (var i = 0; i < inputs.Length; i++)
        {
            AssertMatches(inputs[i], w16, outputs[i], null, 1, 1500, 512);
        }
    }

    [Fact]
    public void KeepBf16Copy_Fp32Weight_KeepsNoCopy()
    {
        var weight = new LinearWeight(3, 4, [1f, 2f, 3f, 4f, 5f, 6f, 7f, 1.0000001f, 9f, 10f, 11f, 12f]);
        Assert.False(weight.KeepBf16Copy());
        Assert.Null(weight.Bf16Weight);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    public void KeepBf16Copy_Bf16Weight_ForwardMatchesFp32Forward(int rows)
    {
        var rng = new Random(rows);
        var w16 = Bf16Values(rng, 96 * 200);
        var fp32 = w16.Select(Widen).ToArray();
        var bias = Values(rng, 96);
        var plain = new LinearWeight(96, 200, fp32, bias);
        var copied = new LinearWeight(96, 200, (float[])fp32.Clone(), bias);
        Assert.True(copied.KeepBf16Copy());
        Assert.Equal(fp32, Enumerable.Range(0, 96 * 200).Select(i => copied.Bf16Weight![i / 200, i % 200]));

        var x = Values(rng, rows * 200);
        var expected = new float[rows * 96];
        var actual = new float[rows * 96];
        plain.Forward(Gemm.Managed, x, rows, expected);
        copied.Forward(Gemm.Managed, x, rows, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"y[{i}] = {actual[i]}, fp32 weights give {expected[i]}");
        }
    }

    [Fact]
    public void TryCreate_Bf16Values_IndexerReturnsEveryValueAndPaddingIsZero()
    {
        var rng = new Random(2);
        var w16 = Bf16Values(rng, 7 * 45);
        var panels = Panels(w16, 7, 45);
        Assert.Equal(64, panels.PaddedColumns);
        Assert.Equal(2, panels.Groups);
        Assert.Equal(2L * 4 * 64 * sizeof(ushort), panels.Bytes);
        for (var i = 0; i < w16.Length; i++)
        {
            Assert.Equal(Widen(w16[i]), panels[i / 45, i % 45]);
        }

        Assert.Equal(w16.Select(v => (int)v).Sum(), panels.Data.Select(v => (int)v).Sum());
    }

    [Fact]
    public void TryCreate_ValueNotBf16_ReturnsNull()
    {
        Assert.Null(Bf16Panels.TryCreate([1f, 2f, 1.0000001f], 1, 3));
        Assert.NotNull(Bf16Panels.TryCreate([1f, 2f, -3.5f], 1, 3));
    }

    private static Bf16Panels Panels(ushort[] w16, int n, int k) => Bf16Panels.TryCreate(w16.Select(Widen).ToArray(), n, k)!;

    private static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static float[] Values(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();

    private static ushort[] Bf16Values(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (ushort)(BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() * 2) - 1)) >> 16)).ToArray();

    private static void AssertMatches(float[] x, ushort[] w16, float[] y, float[]? before, int m, int n, int k)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = before?[(i * n) + j] ?? 0, magnitude = Math.Abs(sum);
                for (var p = 0; p < k; p++)
                {
                    double term = x[(i * k) + p] * (double)Widen(w16[(j * k) + p]);
                    sum += term;
                    magnitude += Math.Abs(term);
                }

                var got = y[(i * n) + j];
                Assert.True(Math.Abs(got - sum) <= (1e-5 * magnitude) + 1e-30, $"{m}x{n}x{k}: y[{i},{j}] = {got}, expected {sum}");
            }
        }
    }
}
