using DistInfer.Engine;
using DistInfer.Runtime;

namespace DistInfer.Grains.Weights;

/// <summary>
/// Ships from the model file grains of the given silos: the one that answered last serves the next call, and a call
/// that fails moves on to the next silo (a source silo may die mid-transfer).
/// </summary>
internal sealed class ClusterModelFileSource(IGrainFactory grains, IReadOnlyList<string> silos) : IModelFileSource
{
    private int _current;

    public IReadOnlyList<string> Silos => silos;

    /// <summary>The first manifest a silo gives, or null when none can read the path or none answers.</summary>
    public async Task<ModelManifest?> GetManifestAsync(string modelPath)
    {
        for (var i = 0; i < silos.Count; i++)
        {
            var index = (_current + i) % silos.Count;
            try
            {
                if (await Grain(index).GetManifest(modelPath).ConfigureAwait(false) is { } manifest)
                {
                    _current = index;
                    return manifest;
                }
            }
            catch (Exception)
            {
                // That silo is gone or failed; ask the next (none answering means "no source": the caller looks further).
            }
        }

        return null;
    }

    public Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length) =>
        WithFailover(g => g.ReadTensor(modelPath, tensor, offset, length));

    public Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length) =>
        WithFailover(g => g.ReadFile(modelPath, file, offset, length));

    private async Task<byte[]> WithFailover(Func<IModelFileGrain, Task<byte[]>> call)
    {
        if (silos.Count == 0)
        {
            // A remembered manifest with no silo able to serve its path any more: say so, not a division by zero.
            throw new DistInferException("no silo can read the model's path to ship what is missing from this silo's cache");
        }

        var start = _current;
        for (var i = 0; ; i++)
        {
            var index = (start + i) % silos.Count;
            try
            {
                var bytes = await call(Grain(index)).ConfigureAwait(false);
                _current = index;
                return bytes;
            }
            catch (Exception) when (i < silos.Count - 1)
            {
                // Try the next source silo.
            }
        }
    }

    private IModelFileGrain Grain(int index) => grains.GetGrain<IModelFileGrain>(silos[index]);
}
