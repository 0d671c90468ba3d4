using DistInfer.Engine.Cuda;
using DistInfer.Runtime.Cluster;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class CudaAcceleratorsTests
{
    [Fact]
    public void From_Device_PublishesNameAndMemory()
    {
        var gpu = new CudaDeviceInfo(0, "NVIDIA H100 80GB HBM3", 80L << 30, 79L << 30, 9, 0, 132, 13000, 13000);

        var accelerator = Assert.Single(CudaAccelerators.From([gpu]));

        Assert.Equal(new AcceleratorInfo("NVIDIA H100 80GB HBM3", 80L << 30, 79L << 30), accelerator);
    }

    [Fact]
    public void Read_NoCuda_PublishesNoAccelerators()
    {
        // This machine has no GPU: the query finds none and the silo serves on CPU.
        Assert.Empty(CudaAccelerators.Read());
    }
}
