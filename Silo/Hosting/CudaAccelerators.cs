using DistInfer.Engine.Cuda;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Silo.Hosting;

/// <summary>
/// The machine's CUDA devices (name, total and free memory) as a silo publishes them through membership, so
/// placement can use free device memory. Without CUDA the list is empty and the silo serves on CPU.
/// </summary>
public static class CudaAccelerators
{
    public static IReadOnlyList<AcceleratorInfo> Read() => From(CudaDevice.QueryAll());

    public static IReadOnlyList<AcceleratorInfo> From(IReadOnlyList<CudaDeviceInfo> devices) =>
        [.. devices.Select(d => new AcceleratorInfo(d.Name, d.TotalBytes, d.FreeBytes))];
}
