using System.Numerics;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>Checks shared by the batch-invariant packed kernel tests (<see cref="InvariantBlockedGemmTests"/>).</summary>
internal static class InvariantGemmChecks
{
    internal const int MinRows = 24;
    internal const float Sentinel = 12345.5f;
    internal static readonly int W = Vector<float>.Count;
    internal static readonly ManagedGemm Plain = new(2);

    /// <summary>
    /// False for a kernel the processor lacks, after asserting it is refused up front: asserted, not skipped silently.
    /// </summary>
    internal static bool IsSupportedOrRefused(ManagedGemmKernel kernel)
    {
        if (ManagedGemm.IsSupported(kernel))
        {
            return true;
        }

        Assert.Throws<PlatformNotSupportedException>(() => new ManagedGemm(1, kernel));
        return false;
    }

    /// <summary>
    /// C (+)= A·Bᵀ at the given paddings: row padding of A and B is NaN (a read outside poisons the result), C's
    /// padding holds a sentinel; each row must equal the one-row product bit for bit and a double reference closely.
    /// </summary>
    internal static void Check(ManagedGemm gemm, int m, int n, int k, int padA, int padB, int padC, bool accumulate, int seed)
    {
        Assert.True(m >= MinRows);
        var rng = new Random(seed);
        int lda = k + padA, ldb = k + padB, ldc = n + padC;
        var a = Strided(rng, m, k, lda, float.NaN);
        var b = Strided(rng, n, k, ldb, float.NaN);
        var c = Strided(rng, m, n, ldc, Sentinel);
        if (!accumulate)
        {
            for (var i = 0; i < m; i++)
            {
                c.AsSpan(i * ldc, n).Fill(float.NaN);
            }
        }

        var before = (float[])c.Clone();
        gemm.Sgemm(true, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

        var alone = new float[n];
        var where = $"{gemm.Description} m={m} n={n} k={k} lda={lda} ldb={ldb} ldc={ldc} accumulate={accumulate}";
        for (var i = 0; i < m; i++)
        {
            before.AsSpan(i * ldc, n).CopyTo(alone);
            Plain.Sgemm(true, 1, n, k, a.AsSpan(i * lda, k), k, b, ldb, alone, n, accumulate);
            AssertBits(alone, c.AsSpan(i * ldc, n), $"{where} row {i}");
            AssertClose(a.AsSpan(i * lda, k), b, ldb, n, k, accumulate ? before.AsSpan(i * ldc, n).ToArray() : null, c.AsSpan(i * ldc, n), $"{where} row {i}");
            for (var j = n; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                Assert.True(c[(i * ldc) + j] == Sentinel, $"{where}: wrote C[{i},{j}] in the row padding");
            }
        }
    }

    internal static void CheckBf16(ManagedGemm gemm, int m, int n, int k, bool accumulate, int seed)
    {
        var rng = new Random(seed);
        var x = Values(rng, m * k);
        var w = Bf16(rng, n, k, out var widened);
        var y = accumulate ? Values(rng, m * n) : Enumerable.Repeat(float.NaN, m * n).ToArray();
        var before = (float[])y.Clone();
        gemm.LinearBf16(x, w, y, m, accumulate);

        var alone = new float[n];
        var where = $"{gemm.Description} bf16 m={m} n={n} k={k} accumulate={accumulate}";
        for (var i = 0; i < m; i++)
        {
            before.AsSpan(i * n, n).CopyTo(alone);
            Plain.LinearBf16(x.AsSpan(i * k, k), w, alone, 1, accumulate);
            AssertBits(alone, y.AsSpan(i * n, n), $"{where} row {i}");
            AssertClose(x.AsSpan(i * k, k), widened, k, n, k, accumulate ? before.AsSpan(i * n, n).ToArray() : null, y.AsSpan(i * n, n), $"{where} row {i}");
        }
    }

    internal static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where)
    {
        for (var j = 0; j < expected.Length; j++)
        {
            var e = BitConverter.SingleToUInt32Bits(expected[j]);
            var g = BitConverter.SingleToUInt32Bits(actual[j]);
            if (e != g)
            {
                Assert.Fail($"{where} column {j}: 0x{g:X8} ({actual[j]:R}), alone 0x{e:X8} ({expected[j]:R})");
            }
        }
    }

    internal static void AssertClose(ReadOnlySpan<float> aRow, float[] b, int ldb, int n, int k, float[]? c0, ReadOnlySpan<float> got, string where)
    {
        for (var j = 0; j < n; j++)
        {
            double sum = c0?[j] ?? 0, magnitude = Math.Abs(sum);
            for (var p = 0; p < k; p++)
            {
                double term = (double)aRow[p] * b[(j * ldb) + p];
                sum += term;
                magnitude += Math.Abs(term);
            }

            if (!(Math.Abs(got[j] - sum) <= (1e-5 * magnitude) + 1e-30))
            {
                Assert.Fail($"{where} column {j}: {got[j]:R}, expected {sum:R}");
            }
        }
    }

    internal static float[] Strided(Random rng, int rows, int cols, int ld, float padding)
    {
        var x = new float[((rows - 1) * ld) + cols];
        Array.Fill(x, padding);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                x[(i * ld) + j] = (float)((rng.NextDouble() * 2) - 1);
            }
        }

        return x;
    }

    internal static Bf16Matrix Bf16(Random rng, int n, int k, out float[] widened)
    {
        var bits = Enumerable.Range(0, n * k).Select(_ => (ushort)(BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() * 2) - 1)) >> 16)).ToArray();
        widened = bits.Select(v => BitConverter.UInt32BitsToSingle((uint)v << 16)).ToArray();
        return Bf16Matrix.FromBits(bits, n, k);
    }

    internal static float[] Values(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();

    internal static uint[] Bits(float[] x) => x.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
