using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;

namespace DistInfer.Grains.Weights;

/// <summary>
/// The tensors an activation asked for, memory-mapped from the model path or from the model cache, with the model
/// folder (config, tokenizer) they go with. Dispose once the weights are built. A lease from the cache holds its
/// model folder against eviction (<paramref name="cacheUse"/>) until then, since its part is mapped.
/// </summary>
public sealed class WeightLease(string modelDirectory, ModelConfig config, ITensorSource tensors, bool shipped, ModelCacheUse? cacheUse = null) : IDisposable
{
    /// <summary>The model path itself, or its folder in the model cache.</summary>
    public string ModelDirectory => modelDirectory;

    public ModelConfig Config => config;

    public ITensorSource Tensors => tensors;

    /// <summary>True when the tensors come from the model cache (the path is not on this silo).</summary>
    public bool FromCache => shipped;

    public void Dispose()
    {
        // Unmapped first: the folder may be evicted once the use goes.
        tensors.Dispose();
        cacheUse?.Dispose();
    }
}
