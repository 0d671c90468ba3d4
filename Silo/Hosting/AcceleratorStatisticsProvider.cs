using DistInfer.Engine.Cuda;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Silo.Hosting;

/// <summary>
/// Adds the machine's CUDA devices (name, total and free memory) to the load a silo publishes through membership,
/// so placement can use free device memory. A silo without CUDA publishes no accelerators and serves on CPU.
/// </summary>
public sealed class AcceleratorStatisticsProvider(DefaultSiloStatisticsProvider host, Func<IReadOnlyList<CudaDeviceInfo>> devices) : ISiloStatisticsProvider
{
    public AcceleratorStatisticsProvider(TimeProvider time)
        : this(new DefaultSiloStatisticsProvider(time), CudaDevice.QueryAll)
    {
    }

    public SiloStatistics GetStatistics(int activationCount) => host.GetStatistics(activationCount) with
    {
        Accelerators = [.. devices().Select(d => new AcceleratorInfo(d.Name, d.TotalBytes, d.FreeBytes))],
    };
}
