using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>
/// Products with bf16 weights read as bf16: the result must be bit for bit the managed fp32 product with the
/// exactly widened weights (the same kernels and summation order), and close to a double-precision reference,
/// on every tail of k and n, skinny and blocked row counts, in both C modes.
/// </summary>
public sealed class SkinnyBf16Tests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var m in new[] { 1, 2, 3, 4, 5, 8, 13 })
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

        var matrix = Matrix(w16, n, k);
        gemm.LinearBf16(x, matrix, y, m);
        AssertMatches(x, w16, y, null, m, n, k);
        var fp32 = new float[m * n];
        gemm.Linear(x, w16.Select(Widen).ToArray(), fp32, m, k, n);
        Assert.Equal(fp32, y);

        var before = Values(rng, m * n);
        var accumulated = (float[])before.Clone();
        gemm.LinearBf16(x, matrix, accumulated, m, accumulate: true);
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
        gemm.LinearBf16(x, Matrix(w16, 700, 1024), y, 1);
        AssertMatches(x, w16, y, null, 1, 700, 1024);
    }

    [Fact]
    public async Task LinearBf16_ConcurrentCallers_EachMatchesReference()
    {
        // More callers than the helper pool has slots: some fall back to the thread pool; every result must still be right.
        var gemm = new ManagedGemm(2);
        var rng = new Random(9);
        var w16 = Bf16Values(rng, 1500 * 512);
        var matrix = Matrix(w16, 1500, 512);
        var inputs = Enumerable.Range(0, 8).Select(_ => Values(rng, 512)).ToArray();
        var outputs = await Task.WhenAll(inputs.Select(x => Task.Run(() =>
        {
            var y = new float[1500];
            for (var r = 0; r < 20; r++)
            {
                gemm.LinearBf16(x, matrix, y, 1);
            }

            return y;
        })));
        for (var i = 0; i < inputs.Length; i++)
        {
            AssertMatches(inputs[i], w16, outputs[i], null, 1, 1500, 512);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    public void Forward_Bf16Weight_SameBitsAsFp32Weight(int rows)
    {
        var rng = new Random(rows);
        var w16 = Bf16Values(rng, 96 * 200);
        var fp32 = w16.Select(Widen).ToArray();
        var bias = Values(rng, 96);
        var plain = new LinearWeight(96, 200, fp32, bias);
        var bf16 = new LinearWeight(96, 200, Matrix(w16, 96, 200), bias);
        Assert.Null(bf16.Weight);
        Assert.Equal(fp32, bf16.ToSingle());
        Assert.Equal((96 * 200 * 2) + (96 * 4), bf16.Bytes);
        Assert.Equal((96 * 200 * 4) + (96 * 4), plain.Bytes);

        var x = Values(rng, rows * 200);
        var expected = new float[rows * 96];
        var actual = new float[rows * 96];
        plain.Forward(Gemm.Managed, x, rows, expected);
        bf16.Forward(Gemm.Managed, x, rows, actual);
        Assert.Equal(expected, actual);

        // Kernels that take fp32 only get the weight widened per call: the same values, their own order.
        bf16.Forward(ReferenceGemm.Instance, x, rows, actual);
        plain.Forward(ReferenceGemm.Instance, x, rows, expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TryFromSingle_Bf16Values_IndexerAndRowsReturnEveryValue()
    {
        var rng = new Random(2);
        var w16 = Bf16Values(rng, 7 * 45);
        var matrix = Matrix(w16, 7, 45);
        Assert.Equal(8L * 45 * sizeof(ushort), matrix.Bytes); // rows padded to whole groups of four
        var row = new float[45];
        for (var i = 0; i < w16.Length; i++)
        {
            Assert.Equal(Widen(w16[i]), matrix[i / 45, i % 45]);
        }

        matrix.WidenRow(3, row);
        Assert.Equal(w16.Skip(3 * 45).Take(45).Select(Widen), row);
    }

    [Fact]
    public void TryFromSingle_ValueNotBf16_ReturnsNull()
    {
        Assert.Null(Bf16Matrix.TryFromSingle([1f, 2f, 1.0000001f], 1, 3));
        Assert.NotNull(Bf16Matrix.TryFromSingle([1f, 2f, -3.5f], 1, 3));
    }

    private static Bf16Matrix Matrix(ushort[] w16, int n, int k) => Bf16Matrix.FromBits(w16, n, k);

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
