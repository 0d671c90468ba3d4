using DistInfer.Engine.Config;

namespace DistInfer.Engine.Model;

/// <summary>The fp32 weights of a model part, converted once at load from the checkpoint's dtype.</summary>
public sealed class ModelWeights(ModelConfig config, ModelPart part, float[]? embedding, LayerWeights?[] layers, float[]? finalNorm, LinearWeight? lmHead)
{
    public ModelConfig Config { get; } = config;
    public ModelPart Part { get; } = part;

    /// <summary>[vocab, hidden], or null when this part has no embedding.</summary>
    public float[]? Embedding { get; } = embedding;

    /// <summary>Indexed by layer number; null outside the part's range.</summary>
    public LayerWeights?[] Layers { get; } = layers;

    public float[]? FinalNorm { get; } = finalNorm;
    public LinearWeight? LmHead { get; } = lmHead;

    public long ParameterCount
    {
        get
        {
            long n = (Embedding?.Length ?? 0) + (FinalNorm?.Length ?? 0);
            if (LmHead is { } head && !ReferenceEquals(head.Weight, Embedding))
            {
                n += head.ParameterCount;
            }

            foreach (var layer in Layers)
            {
                n += layer?.ParameterCount ?? 0;
            }

            return n;
        }
    }
}
