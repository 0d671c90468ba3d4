using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

public sealed class GemmSelectionTests
{
    private static readonly ManagedGemm Managed = new(1);

    [Fact]
    public void Select_ForcedOpenBlasAndItLoads_PicksOpenBlas()
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException("install libopenblas0-pthread");
        Assert.Same(blas, Gemm.Select(" OpenBLAS ", () => blas, () => Managed));
    }

    [Fact]
    public void Select_NotForced_PicksManagedWithoutLoadingOpenBlas()
    {
        Assert.Same(Managed, Gemm.Select(null, () => throw new InvalidOperationException("loaded"), () => Managed));
        Assert.Same(Managed, Gemm.Select("", () => null, () => Managed));
    }

    [Fact]
    public void Select_ForcedManaged_NeverLoadsOpenBlas()
    {
        Assert.Same(Managed, Gemm.Select("managed", () => throw new InvalidOperationException("loaded"), () => Managed));
    }

    [Fact]
    public void Select_ForcedOpenBlasMissing_ThrowsUserError()
    {
        var e = Assert.Throws<DistInferException>(() => Gemm.Select("openblas", () => null, () => Managed));
        Assert.Contains("libopenblas0-pthread", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_UnknownName_ThrowsUserErrorNamingIt()
    {
        var e = Assert.Throws<DistInferException>(() => Gemm.Select("mkl", () => null, () => Managed));
        Assert.Contains("'mkl'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ProcessDefault_NamesTheChosenImplementation()
    {
        Assert.Contains(Gemm.Default.Name, Gemm.Describe(), StringComparison.Ordinal);
        Assert.Equal("managed", Gemm.Managed.Name);
    }

    [Fact]
    public void Select_ForcedOpenBlas_NeverBuildsTheManagedKernels()
    {
        OpenBlasGemm blas = OpenBlasGemm.TryCreate() ?? throw new InvalidOperationException("install libopenblas0-pthread");
        Assert.Same(blas, Gemm.Select("openblas", () => blas, () => throw new InvalidOperationException("built")));
    }
}
