using DistInfer.Engine;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class GpuSelectionTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Select_Cpu_KeepsTheCpuEngineAndSaysWhy(string mode)
    {
        using var device = GpuSelection.Select(mode);

        Assert.Null(device.Cuda);
        // The startup log line also says which CPU kernels run (batch-invariant by default).
        Assert.Equal($"CPU (DISTINFER_DEVICE=cpu); {Engine.Kernels.Gemm.Describe()}", device.Description);
        Assert.Contains("batch-invariant", device.Description, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => device.Experts);
    }

    [Fact]
    public void Select_UnknownMode_ThrowsNamingTheVariable()
    {
        var ex = Assert.Throws<DistInferException>(() => GpuSelection.Select("tpu"));

        Assert.Equal("DISTINFER_DEVICE must be auto, cpu or cuda (got 'tpu')", ex.Message);
    }
}
