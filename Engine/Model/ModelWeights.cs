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

    /// <summary>Every linear layer of the part (the head last, once even when tied to the embedding).</summary>
    public IEnumerable<LinearWeight> LinearLayers()
    {
        foreach (var layer in Layers)
        {
            if (layer is null)
            {
                continue;
            }

            yield return layer.Attention.Qkv;
            yield return layer.Attention.Output;
            var mlps = new List<SwiGluWeights?> { layer.Mlp };
            if (layer.Moe is { } moe)
            {
                yield return moe.Router;
                mlps.AddRange(moe.Experts);
                mlps.Add(moe.SharedExpert);
                if (moe.SharedExpertGate is { } gate)
                {
                    yield return gate;
                }
            }

            foreach (var mlp in mlps)
            {
                if (mlp is not null)
                {
                    yield return mlp.GateUp;
                    yield return mlp.Down;
                }
            }
        }

        if (LmHead is { } head)
        {
            yield return head;
        }
    }

    /// <summary>
    /// Keeps bf16 copies of the linear weights that are exactly bf16 (a bf16 checkpoint), which decode-sized
    /// products with the managed kernels then stream instead of fp32: half the bytes, the same results. The fp32
    /// weights stay for larger products, so memory grows by half. Returns the bytes of bf16 copies held.
    /// </summary>
    public long KeepBf16DecodeCopies()
    {
        var layers = LinearLayers().ToArray();
        Parallel.ForEach(layers, w => w.KeepBf16Copy());
        long bytes = 0;
        foreach (var w in layers)
        {
            bytes += w.Bf16Weight?.Bytes ?? 0;
        }

        return bytes;
    }
}
