using DistInfer.Engine;
using DistInfer.Runtime;

namespace DistInfer.Grains.Weights;

/// <summary>
/// One silo's copy of a model path, with no failover: <see cref="ModelCache"/> ships a whole file from it and, when
/// it fails, starts that file again from another copy. <paramref name="served"/> runs after each chunk it delivered,
/// so the set it came from prefers it for the next file.
/// </summary>
internal sealed class SiloModelFileSource(IGrainFactory grains, string silo, Action served) : IModelFileSource
{
    /// <summary>
    /// The silo's manifest. Unlike the whole set, which answers null when no silo can tell, one copy that cannot tell
    /// (gone, or no longer reading the path) throws: the bytes it shipped would otherwise be kept unchecked, and the
    /// file starts over on the next copy instead.
    /// </summary>
    public async Task<ModelManifest?> GetManifestAsync(string modelPath)
    {
        ModelManifest? manifest;
        try
        {
            manifest = await Grain.GetManifest(modelPath).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw new DistInferException($"silo {silo} did not answer whether {modelPath} changed while it shipped from it: {e.Message}", e);
        }

        return manifest ?? throw new DistInferException($"silo {silo} no longer reads {modelPath}, which it shipped from");
    }

    public async Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length)
    {
        var bytes = await Grain.ReadTensor(modelPath, tensor, offset, length).ConfigureAwait(false);
        served();
        return bytes;
    }

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length)
    {
        var bytes = await Grain.ReadFile(modelPath, file, offset, length).ConfigureAwait(false);
        served();
        return bytes;
    }

    private IModelFileGrain Grain => grains.GetGrain<IModelFileGrain>(silo);
}
