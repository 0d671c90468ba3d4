using DistInfer.Engine.Cuda;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>
/// <see cref="ManagedGemm.BatchInvariant"/>: every row of a product must come out bit for bit as when that row is
/// multiplied alone (decode's one-row product), whatever the number of rows, and still be a correct product.
/// </summary>
public sealed class BatchInvariantGemmTests
{
    private static readonly ManagedGemm Invariant = new(2) { BatchInvariant = true };
    private static readonly ManagedGemm Plain = new(2);

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        // 6 and 7 leave two and three rows for the last pass (the 4x2 kernel with repeated rows); the
        // packed invariant kernel runs from 24 (100: a last strip of four rows of six).
        foreach (var m in new[] { 5, 6, 7, 13, 24, 100 })
        {
            // 5000x96 spans several column blocks; 1030x1024 several threads' parts.
            foreach (var (n, k) in new[] { (3, 2), (17, 31), (130, 63), (300, 300), (1030, 1024), (64, 2817), (5000, 96) })
            {
                data.Add(m, n, k);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Linear_ManyRows_EachRowAsAlone(int m, int n, int k)
    {
        var rng = new Random((m * 31) + (n * 7) + k);
        var x = Values(rng, m * k);
        var w = Values(rng, n * k);
        var y = new float[m * n];
        Invariant.Linear(x, w, y, m, k, n);

        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.Linear(x.AsSpan(i * k, k), w, alone, 1, k, n);
            Assert.Equal(alone, y.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LinearBf16_ManyRows_EachRowAsAlone(int m, int n, int k)
    {
        var rng = new Random((m * 17) + (n * 5) + k);
        var x = Values(rng, m * k);
        var bits = Enumerable.Range(0, n * k).Select(_ => (ushort)(BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() * 2) - 1)) >> 16)).ToArray();
        var w = Bf16Matrix.FromBits(bits, n, k);
        var y = new float[m * n];
        Invariant.LinearBf16(x, w, y, m);

        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.LinearBf16(x.AsSpan(i * k, k), w, alone, 1);
            Assert.Equal(alone, y.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [InlineData(ManagedGemmKernel.Vector512, 40, 130, 63)]
    [InlineData(ManagedGemmKernel.Vector512, 23, 64, 2817)]
    [InlineData(ManagedGemmKernel.Vector256, 40, 130, 63)]
    [InlineData(ManagedGemmKernel.Vector256, 23, 64, 2817)]
    [InlineData(ManagedGemmKernel.Vector128, 40, 130, 63)]
    [InlineData(ManagedGemmKernel.Vector128, 23, 64, 2817)]
    public void Linear_EachPackedKernel_EachRowAsAlone(ManagedGemmKernel kernel, int m, int n, int k)
    {
        if (!ManagedGemm.IsSupported(kernel))
        {
            // Asserted, not skipped: a kernel the processor lacks must be refused up front.
            Assert.Throws<PlatformNotSupportedException>(() => new ManagedGemm(2, kernel));
            return;
        }

        var gemm = new ManagedGemm(2, kernel) { BatchInvariant = true };
        var rng = new Random((m * 11) + (n * 3) + k);
        var x = Values(rng, m * k);
        var w = Values(rng, n * k);
        var bf16 = Bf16Matrix.FromBits(w.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray(), n, k);
        var y = new float[m * n];
        var y16 = new float[m * n];
        gemm.Linear(x, w, y, m, k, n);
        gemm.LinearBf16(x, bf16, y16, m);

        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.Linear(x.AsSpan(i * k, k), w, alone, 1, k, n);
            Assert.Equal(alone, y.AsSpan(i * n, n).ToArray());
            Plain.LinearBf16(x.AsSpan(i * k, k), bf16, alone, 1);
            Assert.Equal(alone, y16.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [InlineData(5, 200, 700)]
    [InlineData(7, 200, 700)]
    [InlineData(13, 1030, 300)]
    [InlineData(6, 37, 5000)]
    public void Sgemm_BAsKByNManyRows_EachRowAsAlone(int m, int n, int k)
    {
        // B stored [k,n] (the axpy kernel): column blocks must not move a column into a range's scalar tail.
        var rng = new Random((m * 13) + (n * 3) + k);
        var a = Values(rng, m * k);
        var b = Values(rng, k * n);
        var c = new float[m * n];
        Invariant.Sgemm(false, m, n, k, a, k, b, n, c, n);

        var alone = new float[n];
        for (var i = 0; i < m; i++)
        {
            Plain.Sgemm(false, 1, n, k, a.AsSpan(i * k, k), k, b, n, alone, n);
            Assert.Equal(alone, c.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [InlineData(true, 5, 17, 31)]
    [InlineData(true, 64, 1030, 300)]
    [InlineData(true, 200, 70, 29)]
    [InlineData(false, 5, 17, 31)]
    [InlineData(false, 64, 1030, 300)]
    public void Sgemm_ManyRowsPaddedOrAccumulating_MatchesReference(bool transposeB, int m, int n, int k)
    {
        GemmCheck.Verify(Invariant, transposeB, m, n, k, pad: 3, accumulate: false);
        GemmCheck.Verify(Invariant, transposeB, m, n, k, pad: 0, accumulate: true);
    }

    [Fact]
    public void Description_BatchInvariant_SaysSo()
    {
        Assert.Contains("batch-invariant", Invariant.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("batch-invariant", Plain.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(" ", true)]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("0", false)]
    [InlineData(" false ", false)]
    [InlineData("off", false)]
    public void BatchInvariant_SwitchValue_Parsed(string? value, bool expected)
    {
        Assert.Equal(expected, Gemm.BatchInvariant(value));
    }

    [Fact]
    public void BatchInvariant_UnknownValue_ThrowsNamingTheVariable()
    {
        var e = Assert.Throws<DistInferException>(() => Gemm.BatchInvariant("maybe"));
        Assert.Contains(Gemm.BatchInvariantVariable, e.Message, StringComparison.Ordinal);
        Assert.Contains("'maybe'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Switch_CudaVariable_UnsetIsNullAndJunkNamesIt()
    {
        Assert.Null(Gemm.Switch(CudaOps.BatchInvariantVariable, null));
        Assert.False(Gemm.Switch(CudaOps.BatchInvariantVariable, "off"));
        var e = Assert.Throws<DistInferException>(() => Gemm.Switch(CudaOps.BatchInvariantVariable, "yes please"));
        Assert.Contains(CudaOps.BatchInvariantVariable, e.Message, StringComparison.Ordinal);
    }

    private static float[] Values(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
}
