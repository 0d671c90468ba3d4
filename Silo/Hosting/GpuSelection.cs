using DistInfer.Engine;
using DistInfer.Engine.Cuda;
using DistInfer.Grains.Compute;

namespace DistInfer.Silo.Hosting;

/// <summary>
/// Picks where the silo's stage and expert grains compute. DISTINFER_DEVICE: unset or "auto" takes the GPU with the
/// most free memory when CUDA is there and the CPU engine otherwise; "cpu" keeps the CPU engine on a GPU host;
/// "cuda" insists on a GPU (start-up fails with the reason when there is none).
/// </summary>
public static class GpuSelection
{
    public const string Variable = "DISTINFER_DEVICE";

    public static GrainComputeDevice Select(string? mode)
    {
        var choice = string.IsNullOrWhiteSpace(mode) ? "auto" : mode.Trim().ToLowerInvariant();
        if (choice == "cpu")
        {
            return GrainComputeDevice.Cpu($"{Variable}=cpu");
        }

        if (choice is not ("auto" or "cuda"))
        {
            throw new DistInferException($"{Variable} must be auto, cpu or cuda (got '{mode}')");
        }

        var device = CudaBackend.OpenBest(out var reason);
        if (device is not null)
        {
            return new GrainComputeDevice(device, $"CUDA, {device.Info}");
        }

        return choice == "cuda"
            ? throw new DistInferException($"{Variable}=cuda but no usable GPU: {reason}")
            : GrainComputeDevice.Cpu(reason);
    }
}
