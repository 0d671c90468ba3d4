using DistInfer.Engine.Cuda;
using DistInfer.Runtime.Cluster;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class AcceleratorStatisticsProviderTests
{
    [Fact]
    public void GetStatistics_WithDevices_PublishesNameAndMemory()
    {
        var gpu = new CudaDeviceInfo(0, "NVIDIA H100 80GB HBM3", 80L << 30, 79L << 30, 9, 0, 132, 13000, 13000);
        var provider = new AcceleratorStatisticsProvider(new DefaultSiloStatisticsProvider(TimeProvider.System), () => [gpu]);

        var stats = provider.GetStatistics(activationCount: 7);

        var accelerator = Assert.Single(stats.Accelerators);
        Assert.Equal(new AcceleratorInfo("NVIDIA H100 80GB HBM3", 80L << 30, 79L << 30), accelerator);
        Assert.Equal(7, stats.ActivationCount);
        Assert.True(stats.MemoryTotalBytes > 0);
    }

    [Fact]
    public void GetStatistics_NoCuda_PublishesNoAccelerators()
    {
        // This machine has no GPU: the real query finds none and the silo serves on CPU.
        var stats = new AcceleratorStatisticsProvider(TimeProvider.System).GetStatistics(0);

        Assert.Empty(stats.Accelerators);
    }
}
