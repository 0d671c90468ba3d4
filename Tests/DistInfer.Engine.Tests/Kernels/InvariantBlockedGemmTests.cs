using System.Numerics;
using DistInfer.Engine.Kernels;
using static DistInfer.Engine.Tests.Kernels.InvariantGemmChecks;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>
/// Adversarial checks of <see cref="InvariantBlockedGemm{TKernel}"/> (batch-invariant products of at least
/// <see cref="MinRows"/> rows with B [n,k]): every row must be bit for bit the one-row (decode) product and close to
/// a double-precision reference, for strides, accumulation, K around the lane count W, N around the tile width,
/// row groups, thread counts, every packed kernel and non-finite values.
/// </summary>
public sealed class InvariantBlockedGemmTests
{
    public static TheoryData<ManagedGemmKernel> Kernels() => new(ManagedGemmKernel.Vector512, ManagedGemmKernel.Vector256, ManagedGemmKernel.Vector128);

    /// <summary>K below, at and around W and 2W (kv = 0, bf16 paired blocks and their plain and scalar tails).</summary>
    public static TheoryData<int> Depths()
    {
        var w = Vector<float>.Count;
        return new(new[] { 1, w - 1, w, w + 1, (2 * w) - 1, 2 * w, (2 * w) + 1, (3 * w) + 5, (4 * w) + 3 }.Where(k => k > 0).Distinct().ToArray());
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_PaddedStrides_EachRowAsAloneAndPaddingUntouched(ManagedGemmKernel kernel)
    {
        if (!IsSupportedOrRefused(kernel))
        {
            return;
        }

        foreach (var threads in new[] { 1, 2 })
        {
            var gemm = new ManagedGemm(threads, kernel) { BatchInvariant = true };
            foreach (var (m, n, k) in new[] { (24, 33, 37), (31, 70, 2 * W + 3), (50, 17, 130) })
            {
                Check(gemm, m, n, k, padA: 5, padB: 3, padC: 7, accumulate: false, seed: m + n + k);
                Check(gemm, m, n, k, padA: 0, padB: 9, padC: 0, accumulate: true, seed: m + n + k);
                Check(gemm, m, n, k, padA: 1, padB: 0, padC: 2, accumulate: true, seed: m + n + k + 1);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Depths))]
    public void Sgemm_DepthAroundLaneCount_EachRowAsAlone(int k)
    {
        foreach (var kernel in new[] { ManagedGemmKernel.Vector512, ManagedGemmKernel.Vector256, ManagedGemmKernel.Vector128 }.Where(ManagedGemm.IsSupported))
        {
            var gemm = new ManagedGemm(2, kernel) { BatchInvariant = true };
            // N: under every Nr, 8 ± 1, 16 ± 1, 32 ± 1, and not a multiple of any.
            foreach (var n in new[] { 1, 5, 7, 9, 15, 17, 31, 33, 70 })
            {
                Check(gemm, MinRows, n, k, padA: 0, padB: 0, padC: 0, accumulate: false, seed: k + n);
                Check(gemm, MinRows + 1, n, k, padA: 2, padB: 1, padC: 3, accumulate: true, seed: k + n);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Depths))]
    public void LinearBf16_DepthAroundLaneCount_EachRowAsAloneAccumulatingOrNot(int k)
    {
        foreach (var kernel in new[] { ManagedGemmKernel.Vector512, ManagedGemmKernel.Vector256, ManagedGemmKernel.Vector128 }.Where(ManagedGemm.IsSupported))
        {
            var gemm = new ManagedGemm(2, kernel) { BatchInvariant = true };
            foreach (var n in new[] { 1, 5, 9, 17, 33, 70 })
            {
                CheckBf16(gemm, MinRows, n, k, accumulate: false, seed: k + n);
                CheckBf16(gemm, 37, n, k, accumulate: true, seed: k + n);
            }
        }
    }

    [Fact]
    public void Sgemm_TallDeepProductInRowGroups_EachRowAsAloneAndThreadCountIrrelevant()
    {
        // 1100 x 4100 floats of A is over the 4M floats packed at once: several row groups.
        const int m = 1100, n = 37, k = 4100;
        var rng = new Random(7);
        var a = Values(rng, m * k);
        var b = Values(rng, n * k);
        var one = new float[m * n];
        var two = new float[m * n];
        new ManagedGemm(1) { BatchInvariant = true }.Sgemm(true, m, n, k, a, k, b, k, one, n);
        new ManagedGemm(2) { BatchInvariant = true }.Sgemm(true, m, n, k, a, k, b, k, two, n);
        Assert.Equal(Bits(one), Bits(two));

        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.Sgemm(true, 1, n, k, a.AsSpan(i * k, k), k, b, k, alone, n);
            AssertBits(alone, one.AsSpan(i * n, n), $"row {i}");
        }

        foreach (var i in new[] { 0, 1019, 1020, 1023, 1024, 1099 })
        {
            AssertClose(a.AsSpan(i * k, k), b, k, n, k, null, one.AsSpan(i * n, n), $"row {i}");
        }
    }

    [Fact]
    public void LinearBf16_TallDeepProductInRowGroups_EachRowAsAlone()
    {
        const int m = 1100, n = 21, k = 4100;
        var rng = new Random(8);
        var x = Values(rng, m * k);
        var w = Bf16(rng, n, k, out var widened);
        var y = new float[m * n];
        new ManagedGemm(2) { BatchInvariant = true }.LinearBf16(x, w, y, m);
        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.LinearBf16(x.AsSpan(i * k, k), w, alone, 1);
            AssertBits(alone, y.AsSpan(i * n, n), $"row {i}");
        }

        AssertClose(x.AsSpan(1099 * k, k), widened, k, n, k, null, y.AsSpan(1099 * n, n), "row 1099");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_ThreadCounts_SameBits(ManagedGemmKernel kernel)
    {
        if (!IsSupportedOrRefused(kernel))
        {
            return;
        }

        // Big enough to pass the parallel threshold and split into several panels and bands.
        const int m = 97, n = 300, k = 517;
        var rng = new Random(3);
        var a = Values(rng, m * k);
        var b = Values(rng, n * k);
        var results = new[] { 1, 2, 3 }.Select(t =>
        {
            var c = new float[m * n];
            new ManagedGemm(t, kernel) { BatchInvariant = true }.Sgemm(true, m, n, k, a, k, b, k, c, n);
            return Bits(c);
        }).ToArray();
        Assert.Equal(results[0], results[1]);
        Assert.Equal(results[0], results[2]);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_NonFiniteValues_EachRowAsAlone(ManagedGemmKernel kernel)
    {
        if (!IsSupportedOrRefused(kernel))
        {
            return;
        }

        var gemm = new ManagedGemm(2, kernel) { BatchInvariant = true };
        foreach (var k in new[] { W - 1, (2 * W) + 3, 67 })
        {
            const int m = 30, n = 41;
            var rng = new Random(k);
            var a = Values(rng, m * k);
            var b = Values(rng, n * k);
            // A: NaN, +Inf, -Inf in lanes and in the scalar tail; B: Inf meeting A's Inf (Inf - Inf) and a zero (0 · Inf).
            a[(2 * k) + 0] = float.NaN;
            a[(5 * k) + (k - 1)] = float.PositiveInfinity;
            a[(7 * k) + (k / 2)] = float.NegativeInfinity;
            a[(7 * k) + (k / 3)] = float.PositiveInfinity;
            a[(29 * k) + (k - 1)] = float.NaN;
            b[(3 * k) + (k / 2)] = float.PositiveInfinity;
            b[(4 * k) + (k / 3)] = float.PositiveInfinity;
            b[(5 * k) + (k - 1)] = 0f;
            b[(40 * k) + 1 % k] = float.NegativeInfinity;
            b[(9 * k) + 0] = float.MaxValue;
            a[(11 * k) + 0] = float.MaxValue;

            var c = new float[m * n];
            gemm.Sgemm(true, m, n, k, a, k, b, k, c, n);
            var alone = new float[n];
            for (var i = 0; i < m; i++)
            {
                Plain.Sgemm(true, 1, n, k, a.AsSpan(i * k, k), k, b, k, alone, n);
                AssertBits(alone, c.AsSpan(i * n, n), $"k={k} row {i}");
            }

            Assert.True(float.IsNaN(c[(2 * n) + 0]));
            Assert.True(float.IsNaN(c[(5 * n) + 5]));
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LinearBf16_NaNWeightsAndActivations_EachRowAsAlone(ManagedGemmKernel kernel)
    {
        if (!IsSupportedOrRefused(kernel))
        {
            return;
        }

        // A bf16 NaN widens to a positive quiet NaN (0x7FC00000), float.NaN is negative (0xFFC00000): where both meet
        // the result's payload depends on which operand the hardware propagates.
        var gemm = new ManagedGemm(2, kernel) { BatchInvariant = true };
        const int m = 26, n = 19, k = 77;
        var rng = new Random(5);
        var x = Values(rng, m * k);
        var bits = Enumerable.Range(0, n * k).Select(_ => (ushort)(BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() * 2) - 1)) >> 16)).ToArray();
        bits[(3 * k) + 4] = 0x7FC0;
        bits[(4 * k) + 70] = 0x7F80;
        bits[(6 * k) + 5] = 0x7FC1;
        x[(1 * k) + 4] = float.NaN;
        x[(2 * k) + 5] = float.NaN;
        x[(2 * k) + 70] = 0f;
        x[(8 * k) + 4] = float.PositiveInfinity;
        var w = Bf16Matrix.FromBits(bits, n, k);
        var y = new float[m * n];
        gemm.LinearBf16(x, w, y, m);
        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.LinearBf16(x.AsSpan(i * k, k), w, alone, 1);
            AssertBits(alone, y.AsSpan(i * n, n), $"row {i}");
        }
    }

    [Fact]
    public void Sgemm_ConcurrentCallers_SameBitsAsAlone()
    {
        const int m = 60, n = 150, k = 300;
        var gemm = new ManagedGemm(2) { BatchInvariant = true };
        var inputs = Enumerable.Range(0, 6).Select(s =>
        {
            var rng = new Random(100 + s);
            return (A: Values(rng, m * k), B: Values(rng, n * k));
        }).ToArray();
        var expected = inputs.Select(p =>
        {
            var c = new float[m * n];
            gemm.Sgemm(true, m, n, k, p.A, k, p.B, k, c, n);
            return Bits(c);
        }).ToArray();

        var got = new uint[inputs.Length][];
        Parallel.For(0, inputs.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 6 }, t =>
        {
            var s = t % inputs.Length;
            var c = new float[m * n];
            gemm.Sgemm(true, m, n, k, inputs[s].A, k, inputs[s].B, k, c, n);
            Assert.Equal(expected[s], Bits(c));
        });
    }
}
