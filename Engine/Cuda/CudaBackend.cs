using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// Entry points for hosts (silo, CLI): pick a GPU and load a Hugging Face model directory onto it, or say why not
/// so the caller keeps the CPU engine.
/// </summary>
public static class CudaBackend
{
    /// <summary>Opens the GPU with the most free memory, or returns null with the reason (no CUDA, no device).</summary>
    public static CudaDevice? OpenBest(out string reason)
    {
        if (!CudaDevice.TryQueryAll(out var devices, out reason))
        {
            return null;
        }

        if (devices.Count == 0)
        {
            reason = "no CUDA device";
            return null;
        }

        var best = devices.MaxBy(d => d.FreeBytes)!;
        return CudaDevice.TryOpen(best.Ordinal, out reason);
    }

    /// <summary>
    /// Loads <paramref name="modelDir"/> (config.json + safetensors) onto <paramref name="device"/>, or onto the GPU
    /// with the most free memory when null. Returns null with the reason when there is no usable GPU; checkpoint and
    /// config errors are thrown as usual (they would fail on the CPU too). A device opened here stays open for the
    /// process (its compiled kernels serve every model loaded on it).
    /// </summary>
    public static CudaTransformer? TryLoad(string modelDir, CudaTransformerOptions options, out string reason, CudaDevice? device = null)
    {
        reason = string.Empty;
        device ??= OpenBest(out reason);
        if (device is null)
        {
            return null;
        }

        var spec = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(modelDir));
        using var source = Checkpoint.Open(modelDir);
        try
        {
            return CudaTransformer.Load(device, spec, source, options);
        }
        catch (CudaException ex)
        {
            reason = ex.Message;
            return null;
        }
    }
}
