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
        Assert.Equal("CPU (DISTINFER_DEVICE=cpu)", device.Description);
        Assert.Throws<InvalidOperationException>(() => device.Experts);
    }

    [Fact]
    public void Select_UnknownMode_ThrowsNamingTheVariable()
    {
        var ex = Assert.Throws<DistInferException>(() => GpuSelection.Select("tpu"));

        Assert.Equal("DISTINFER_DEVICE must be auto, cpu or cuda (got 'tpu')", ex.Message);
    }
}
