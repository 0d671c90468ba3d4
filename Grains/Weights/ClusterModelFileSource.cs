using DistInfer.Engine;
using DistInfer.Runtime;

namespace DistInfer.Grains.Weights;

/// <summary>
/// Ships from the model file grains of the given silos. The manifest comes from the first silo that answers; files
/// are shipped from <see cref="Copies"/>, one silo's copy per file (<see cref="ModelCache"/> restarts a file on the
/// next copy when its silo fails), the one that served last first. Per-chunk failover is gone on purpose: chunks of
/// one file from two silos could mix two versions of the checkpoint while the change check asks only one of them.
/// </summary>
internal sealed class ClusterModelFileSource(IGrainFactory grains, IReadOnlyList<string> silos) : IModelFileSource
{
    private int _current;

    public IReadOnlyList<string> Silos => silos;

    /// <summary>One source per silo, from the one that answered or served last; with no silo, this source (whose reads say so).</summary>
    public IReadOnlyList<IModelFileSource> Copies
    {
        get
        {
            if (silos.Count == 0)
            {
                return [this];
            }

            var start = Volatile.Read(ref _current);
            var copies = new IModelFileSource[silos.Count];
            for (var i = 0; i < copies.Length; i++)
            {
                var index = (start + i) % silos.Count;
                copies[i] = new SiloModelFileSource(grains, silos[index], () => Volatile.Write(ref _current, index));
            }

            return copies;
        }
    }

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

    /// <summary>A chunk from the preferred silo only (no failover: see the class comment).</summary>
    public async Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length) =>
        await Grain(Preferred()).ReadTensor(modelPath, tensor, offset, length).ConfigureAwait(false);

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length) =>
        await Grain(Preferred()).ReadFile(modelPath, file, offset, length).ConfigureAwait(false);

    private int Preferred() =>
        // A remembered manifest with no silo able to serve its path any more: say so, not a division by zero.
        silos.Count > 0 ? Volatile.Read(ref _current) : throw new DistInferException("no silo can read the model's path to ship what is missing from this silo's cache");

    private IModelFileGrain Grain(int index) => grains.GetGrain<IModelFileGrain>(silos[index]);
}
