using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

public sealed class ManagedGemmTests
{
    [Theory]
    [InlineData(ManagedGemmKernel.Vector512)]
    [InlineData(ManagedGemmKernel.Vector256)]
    [InlineData(ManagedGemmKernel.Vector128)]
    public void Sgemm_AllShapesLayoutsStridesAccumulate_MatchesReference(ManagedGemmKernel kernel)
    {
        if (!ManagedGemm.IsSupported(kernel))
        {
            // Asserted, not skipped: a kernel the processor lacks must be refused up front.
            Assert.Throws<PlatformNotSupportedException>(() => new ManagedGemm(2, kernel));
            return;
        }

        var gemm = new ManagedGemm(2, kernel);
        foreach ((int m, int n, int k) in GemmShapes.All())
        {
            foreach (bool transposeB in new[] { true, false })
            {
                GemmCheck.Verify(gemm, transposeB, m, n, k, pad: 0, accumulate: false);
                GemmCheck.Verify(gemm, transposeB, m, n, k, pad: 5, accumulate: true);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Sgemm_SkinnyShapesThroughBlockedPath_MatchesReference(int m)
    {
        var gemm = new ManagedGemm(2) { SkinnyMaxRows = 0 };
        foreach (bool transposeB in new[] { true, false })
        {
            GemmCheck.Verify(gemm, transposeB, m, 300, 290, pad: 3, accumulate: true);
            GemmCheck.Verify(gemm, transposeB, m, 33, 17, pad: 0, accumulate: false);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void Sgemm_ThreadCountsNotMatchingCores_MatchesReference(int threads)
    {
        var gemm = new ManagedGemm(threads);
        foreach (bool transposeB in new[] { true, false })
        {
            GemmCheck.Verify(gemm, transposeB, 300, 700, 129, pad: 1, accumulate: false);
            GemmCheck.Verify(gemm, transposeB, 1, 4100, 300, pad: 0, accumulate: true);
            GemmCheck.Verify(gemm, transposeB, 3, 1500, 200, pad: 2, accumulate: false);
        }
    }

    [Fact]
    public void Sgemm_LargeProductManyBlocks_MatchesReference()
    {
        var gemm = new ManagedGemm();
        GemmCheck.Verify(gemm, true, 263, 1029, 700, pad: 7, accumulate: true);
        GemmCheck.Verify(gemm, false, 263, 1029, 700, pad: 0, accumulate: false);
    }

    [Fact]
    public void Sgemm_PackedAOverItsCap_SplitsKIntoGroupsAndMatchesReference()
    {
        // 602 × 7001 floats of A exceed the 4 Mi-float packing cap, so k is handled in two uneven groups.
        var gemm = new ManagedGemm(2);
        GemmCheck.Verify(gemm, true, 602, 37, 7001, pad: 1, accumulate: true);
        GemmCheck.Verify(gemm, false, 602, 37, 7001, pad: 0, accumulate: false);
    }

    [Fact]
    public async Task Sgemm_ConcurrentCallsOnOneInstance_EachMatchesReference()
    {
        var gemm = new ManagedGemm(2);
        Task[] calls = Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            GemmCheck.Verify(gemm, i % 2 == 0, 40 + (i * 13), 150 + i, 260 - i, pad: i % 3, accumulate: i % 2 == 1, seed: i))).ToArray();
        await Task.WhenAll(calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sgemm_KIsZero_ClearsOrKeepsC(bool accumulate)
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        new ManagedGemm().Sgemm(true, 2, 2, 0, [], 0, [], 0, c, 3, accumulate);
        Assert.Equal(accumulate ? [1f, 2, 3, 4, 5, 6] : [0f, 0, 3, 0, 0, 6], c);
    }

    [Fact]
    public void Sgemm_EmptyOutput_LeavesEverythingAlone()
    {
        float[] c = [7];
        var gemm = new ManagedGemm();
        gemm.Sgemm(true, 0, 5, 3, [], 3, new float[15], 3, c, 5);
        gemm.Sgemm(false, 1, 0, 3, new float[3], 3, [], 0, c, 0);
        Assert.Equal(7f, c[0]);
    }

    [Fact]
    public void Sgemm_StrideShorterThanRow_ThrowsNamingStride()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ManagedGemm().Sgemm(true, 2, 2, 4, new float[8], 3, new float[8], 4, new float[4], 2));
        Assert.Equal("lda", e.ParamName);
    }

    [Fact]
    public void Sgemm_SpanTooShort_ThrowsNamingMatrix()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new ManagedGemm().Sgemm(false, 2, 3, 4, new float[8], 4, new float[11], 3, new float[6], 3));
        Assert.Equal("b", e.ParamName);
        Assert.Contains("needs 12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sgemm_NegativeDimension_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ManagedGemm().Sgemm(false, -1, 3, 4, [], 4, new float[12], 3, [], 3));
    }

    [Fact]
    public void Constructor_AutoKernel_PicksWidestSupported()
    {
        var gemm = new ManagedGemm(3);
        Assert.NotEqual(ManagedGemmKernel.Auto, gemm.Kernel);
        Assert.True(ManagedGemm.IsSupported(gemm.Kernel));
        Assert.Equal(3, gemm.MaxThreads);
        Assert.Contains(gemm.Kernel.ToString(), gemm.Description, StringComparison.Ordinal);
    }
}
