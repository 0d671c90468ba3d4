using DistInfer.Runtime;

namespace DistInfer.Grains.Weights;

/// <summary>
/// One silo's copy of a model path, with no failover: <see cref="ModelCache"/> ships a whole file from it and, when
/// it fails, starts that file again from another copy. <paramref name="served"/> runs after each chunk it delivered,
/// so the set it came from prefers it for the next file.
/// </summary>
internal sealed class SiloModelFileSource(IGrainFactory grains, string silo, Action served) : IModelFileSource
{
    /// <summary>The silo's manifest, or null when it cannot read the path or does not answer (as for the whole set).</summary>
    public async Task<ModelManifest?> GetManifestAsync(string modelPath)
    {
        try
        {
            return await Grain.GetManifest(modelPath).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Gone or failing: "no answer", which the change check treats as nothing known against the bytes.
            return null;
        }
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
