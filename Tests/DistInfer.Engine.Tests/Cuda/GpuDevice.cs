using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>
/// The GPU the Gpu-category tests run on. Without one these tests FAIL ("no CUDA device: ...") rather than pass:
/// machines without a GPU exclude them with --filter "Category!=Gpu".
/// </summary>
internal static class GpuDevice
{
    private static readonly Lazy<(CudaDevice? Device, string Reason)> Opened = new(() =>
    {
        var d = CudaDevice.TryOpen(0, out var reason);
        return (d, reason);
    });

    public static CudaDevice Require()
    {
        var (device, reason) = Opened.Value;
        if (device is null)
        {
            Assert.Fail($"no CUDA device: {reason}");
        }

        device.MakeCurrent();
        return device;
    }
}
