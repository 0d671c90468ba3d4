using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>
/// The batch-invariant tensor-core products (TensorCore.cu): a row's result has the same bits whether it is computed
/// alone (split shape: a warp per K chunk) or among 150 rows (serial shape: a warp walks the chunks), and matches a
/// double-precision reference. K = 320 is not a whole number of 128-element chunks, N not a whole number of tiles.
/// </summary>
[Trait("Category", "Gpu")]
[Trait("Gpu", "Invariance")]
public sealed class TensorCoreInvariantGpuTests
{
    private const int Rows = 150, K = 320;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Linear_RowAloneOrAmong150_SameBitsAndNearReference(bool accumulate)
    {
        const int n = 72;
        var (device, stream, ops) = Open();
        using var _ = stream;
        using var __ = ops;
        var rng = new Random(11);
        var x = RandomBf16(rng, Rows * K);
        var w = RandomBf16(rng, n * K);
        var y0 = Enumerable.Range(0, Rows * n).Select(_ => (float)rng.NextDouble()).ToArray();
        using var dx = Up(device, x);
        using var dw = Up(device, w);
        using var dy = device.Allocate(Rows * n * 4L);

        dy.Upload<float>(y0);
        ops.Linear(dw.Pointer, dx.Pointer, K, dy.Pointer, n, Rows, n, K, accumulate);
        stream.Synchronize();
        var all = dy.Download<float>(Rows * n);
        Assert.True(ops.UseTensorCores(Rows, K, K));

        foreach (var row in new[] { 0, 17, 64, 149 })
        {
            dy.Upload<float>(y0.AsSpan(row * n, n));
            ops.Linear(dw.Pointer, dx.Pointer + (nint)(row * K * 2L), K, dy.Pointer, n, 1, n, K, accumulate);
            stream.Synchronize();
            AssertSameBits(all.AsSpan(row * n, n), dy.Download<float>(n), $"row {row} alone");
        }

        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double want = (accumulate ? y0[r * n + j] : 0) + Dot(x, r * K, w, j * K);
                Assert.True(Math.Abs(all[r * n + j] - want) <= 1e-4 * (1 + Math.Abs(want)), $"y[{r},{j}] = {all[r * n + j]}, want {want}");
            }
        }
    }

    [Fact]
    public void Linear_40RowsInThreeSplitTiles_SameBitsAsAmong150()
    {
        const int n = 72;
        var (device, stream, ops) = Open();
        using var _ = stream;
        using var __ = ops;
        var rng = new Random(14);
        var x = RandomBf16(rng, Rows * K);
        var w = RandomBf16(rng, n * K);
        using var dx = Up(device, x);
        using var dw = Up(device, w);
        using var dy = device.Allocate(Rows * n * 4L);

        ops.Linear(dw.Pointer, dx.Pointer, K, dy.Pointer, n, Rows, n, K, false);
        stream.Synchronize();
        var all = dy.Download<float>(Rows * n);
        ops.Linear(dw.Pointer, dx.Pointer + (nint)(50 * K * 2L), K, dy.Pointer, n, 40, n, K, false);
        stream.Synchronize();
        AssertSameBits(all.AsSpan(50 * n, 40 * n), dy.Download<float>(40 * n), "rows 50-89 as a 40-row product");
    }

    [Theory]
    [InlineData(30)]
    [InlineData(150)]
    public void MoeGateUpTable_RowsThroughPerm_NearReferenceAndSameBitsEitherShape(int routed)
    {
        const int f = 24, tokens = 100;
        var (device, stream, ops) = Open();
        using var _ = stream;
        using var __ = ops;
        var rng = new Random(15);
        var x = RandomBf16(rng, tokens * K);
        var w = RandomBf16(rng, 2 * 2 * f * K);
        using var dx = Up(device, x);
        using var dw = Up(device, w);
        using var table = device.Allocate(16);
        table.Upload<long>([dw.Pointer, dw.Pointer + 2 * f * K * 2L]);
        using var act = device.Allocate(150 * f * 2L);
        using var meta = device.Allocate((6 + 150) * 4L);
        int[] perm = [.. Enumerable.Range(0, routed).Select(i => i * 37 % tokens)];
        int first = routed / 2;
        meta.Upload<int>([first, routed - first, 0, first, 0, 1, .. perm]);

        ops.MoeGateUpTable(table.Pointer, dx.Pointer, meta.Pointer + 24, act.Pointer, meta.Pointer, meta.Pointer + 8, meta.Pointer + 16, 2, f, K, routed);
        stream.Synchronize();
        var got = act.Download<ushort>(routed * f);
        for (int i = 0; i < routed; i++)
        {
            int e = i < first ? 0 : 1;
            for (int j = 0; j < f; j++)
            {
                double g = Dot(x, perm[i] * K, w, (e * 2 * f + j) * K), u = Dot(x, perm[i] * K, w, (e * 2 * f + f + j) * K);
                double want = g / (1 + Math.Exp(-g)) * u;
                Assert.True(Math.Abs(Bf16.ToFloat(got[i * f + j]) - want) <= 1e-2 * (1 + Math.Abs(want)), $"act[{i},{j}] = {Bf16.ToFloat(got[i * f + j])}, want {want}");
            }
        }

        // Expert 0's first row routed alone: the same bits.
        meta.Upload<int>([1, 0, 0, 0, 0, -1, perm[0]]);
        ops.MoeGateUpTable(table.Pointer, dx.Pointer, meta.Pointer + 24, act.Pointer, meta.Pointer, meta.Pointer + 8, meta.Pointer + 16, 1, f, K, 1);
        stream.Synchronize();
        Assert.Equal(got.AsSpan(0, f).ToArray(), act.Download<ushort>(f));
    }

    [Fact]
    public void GateUpSilu_RowAloneOrAmong150_SameBitsAndNearReference()
    {
        const int f = 44;
        var (device, stream, ops) = Open();
        using var _ = stream;
        using var __ = ops;
        var rng = new Random(12);
        var x = RandomBf16(rng, Rows * K);
        var w = RandomBf16(rng, 2 * f * K);
        using var dx = Up(device, x);
        using var dw = Up(device, w);
        using var act = device.Allocate(Rows * f * 2L);

        ops.GateUpSilu(dw.Pointer, dx.Pointer, K, act.Pointer, Rows, f, K, 0);
        stream.Synchronize();
        var all = act.Download<ushort>(Rows * f);
        ops.GateUpSilu(dw.Pointer, dx.Pointer + (nint)(99 * K * 2L), K, act.Pointer, 1, f, K, 0);
        stream.Synchronize();
        Assert.Equal(all.AsSpan(99 * f, f).ToArray(), act.Download<ushort>(f));

        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < f; j++)
            {
                double g = Dot(x, r * K, w, j * K), u = Dot(x, r * K, w, (f + j) * K);
                double want = g / (1 + Math.Exp(-g)) * u;
                Assert.True(Math.Abs(Bf16.ToFloat(all[r * f + j]) - want) <= 1e-2 * (1 + Math.Abs(want)), $"act[{r},{j}]");
            }
        }
    }

    [Fact]
    public void MoeDownTable_ExpertRowsAloneOrAmongAll_SameBits()
    {
        const int n = 40, experts = 3;
        var (device, stream, ops) = Open();
        using var _ = stream;
        using var __ = ops;
        var rng = new Random(13);
        var x = RandomBf16(rng, Rows * K);
        var w = RandomBf16(rng, experts * n * K);
        using var dx = Up(device, x);
        using var dw = Up(device, w);
        using var table = device.Allocate(experts * 8L);
        table.Upload<long>([.. Enumerable.Range(0, experts).Select(e => (long)dw.Pointer + e * n * K * 2L)]);
        using var yg = device.Allocate(Rows * n * 4L);
        using var meta = device.Allocate(3 * experts * 4L);

        // Expert 1 has no rows; experts 0 and 2 split the 150 rows 70 / 80.
        meta.Upload<int>([70, 0, 80, /* offsets */ 0, 70, 70, /* active */ 0, 2, -1]);
        ops.MoeDownTable(table.Pointer, dx.Pointer, yg.Pointer, meta.Pointer, meta.Pointer + 12, meta.Pointer + 24, experts, n, K, Rows);
        stream.Synchronize();
        var all = yg.Download<float>(Rows * n);
        for (int r = 0; r < Rows; r++)
        {
            int e = r < 70 ? 0 : 2;
            for (int j = 0; j < n; j++)
            {
                double want = Dot(x, r * K, w, (e * n + j) * K);
                Assert.True(Math.Abs(all[r * n + j] - want) <= 1e-4 * (1 + Math.Abs(want)), $"yg[{r},{j}] of expert {e}");
            }
        }

        // Row 100 (expert 2's 31st) routed alone.
        meta.Upload<int>([0, 0, 1, 0, 0, 100, 2, -1, -1]);
        ops.MoeDownTable(table.Pointer, dx.Pointer, yg.Pointer, meta.Pointer, meta.Pointer + 12, meta.Pointer + 24, 1, n, K, 1);
        stream.Synchronize();
        AssertSameBits(all.AsSpan(100 * n, n), yg.Download<float>(n, 100 * n * 4L), "expert 2's row alone");
    }

    private static (CudaDevice Device, CudaStream Stream, CudaOps Ops) Open()
    {
        var device = GpuDevice.Require();
        var stream = device.CreateStream();
        return (device, stream, new CudaOps(device, stream, bf16: true) { BatchInvariant = true, TensorCores = true });
    }

    private static float[] RandomBf16(Random rng, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => Bf16.Round((float)(rng.NextDouble() * 2 - 1)))];

    private static DeviceBuffer Up(CudaDevice device, float[] data)
    {
        var u = new ushort[data.Length];
        Bf16.FromFloat(data, u);
        var b = device.Allocate(u.Length * 2L);
        b.Upload<ushort>(u);
        return b;
    }

    private static double Dot(float[] a, int ai, float[] b, int bi)
    {
        double s = 0;
        for (int k = 0; k < K; k++)
        {
            s += (double)a[ai + k] * b[bi + k];
        }

        return s;
    }

    private static void AssertSameBits(ReadOnlySpan<float> want, float[] got, string what)
    {
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(BitConverter.SingleToUInt32Bits(want[i]) == BitConverter.SingleToUInt32Bits(got[i]), $"{what}: element {i} is {got[i]}, batched {want[i]}");
        }
    }
}
