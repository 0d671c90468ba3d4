using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

public sealed class OpenBlasGemmTests
{
    private const string Missing =
        "libopenblas is not installed: apt-get install -y libopenblas0-pthread (.ci/test-all.sh installs it)";

    [Fact]
    public void TryCreate_OnTestMachine_LoadsLibraryAndReportsConfig()
    {
        OpenBlasGemm? blas = OpenBlasGemm.TryCreate();
        Assert.True(blas is not null, Missing);
        Assert.Equal("openblas", blas.Name);
        Assert.Contains("OpenBLAS", blas.Config, StringComparison.Ordinal);
        Assert.True(blas.Threads >= 1);
    }

    [Fact]
    public void Sgemm_AllShapesLayoutsStridesAccumulate_MatchesReference()
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException(Missing);
        foreach ((int m, int n, int k) in GemmShapes.All())
        {
            foreach (bool transposeB in new[] { true, false })
            {
                GemmCheck.Verify(blas, transposeB, m, n, k, pad: 0, accumulate: false);
                GemmCheck.Verify(blas, transposeB, m, n, k, pad: 5, accumulate: true);
            }
        }
    }

    [Fact]
    public async Task Sgemm_ConcurrentCalls_EachMatchesReference()
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException(Missing);
        Task[] calls = Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            GemmCheck.Verify(blas, i % 2 == 0, 60 + (i * 13), 150 + i, 260 - i, pad: i % 3, accumulate: i % 2 == 1, seed: i))).ToArray();
        await Task.WhenAll(calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sgemm_KIsZero_ClearsOrKeepsC(bool accumulate)
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException(Missing);
        float[] c = [1, 2, 3, 4, 5, 6];
        blas.Sgemm(false, 2, 2, 0, [], 0, [], 0, c, 3, accumulate);
        Assert.Equal(accumulate ? [1f, 2, 3, 4, 5, 6] : [0f, 0, 3, 0, 0, 6], c);
    }

    [Fact]
    public void Sgemm_SpanTooShort_ThrowsBeforeCallingLibrary()
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException(Missing);
        var e = Assert.Throws<ArgumentException>(() => blas.Sgemm(true, 4, 4, 4, new float[16], 4, new float[16], 4, new float[15], 4));
        Assert.Equal("c", e.ParamName);
    }

    [Fact]
    public void TryCreate_NoCandidateLoads_ReturnsNull()
    {
        Assert.Null(OpenBlasGemm.TryCreate(["/nonexistent/libopenblas.so.0", "libdistinfer-no-such-blas.so"]));
    }

    [Fact]
    public void TryCreate_LibraryWithoutCblas_ReturnsNull()
    {
        // libc loads fine but exports no cblas_sgemm.
        Assert.Null(OpenBlasGemm.TryCreate(["libc.so.6"]));
    }
}
