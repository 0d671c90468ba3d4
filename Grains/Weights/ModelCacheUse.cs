namespace DistInfer.Grains.Weights;

/// <summary>
/// A hold on one model folder of a <see cref="ModelCache"/>: while any is held the folder is not evicted (its parts
/// are being fetched, or are memory-mapped by a load). Disposing it marks the folder used now, for least recently
/// used eviction. Dispose once; a second call does nothing.
/// </summary>
public sealed class ModelCacheUse : IDisposable
{
    private readonly string _directory;
    private ModelCache? _cache;

    internal ModelCacheUse(ModelCache cache, string directory)
    {
        _cache = cache;
        _directory = directory;
    }

    public void Dispose() => Interlocked.Exchange(ref _cache, null)?.Release(_directory);
}
