using DistInfer.Engine.Config;

namespace DistInfer.Engine.Model;

/// <summary>
/// The weights of a model part: linear weights and the embedding in fp32 or bf16 (see <see cref="WeightStorage"/>),
/// norms in fp32.
/// </summary>
public sealed class ModelWeights(ModelConfig config, ModelPart part, LinearWeight? embedding, LayerWeights?[] layers, float[]? finalNorm, LinearWeight? lmHead)
{
    public ModelConfig Config { get; } = config;
    public ModelPart Part { get; } = part;

    /// <summary>[vocab, hidden] (the head itself when tied), or null when this part has no embedding.</summary>
    public LinearWeight? Embedding { get; } = embedding;

    /// <summary>Indexed by layer number; null outside the part's range.</summary>
    public LayerWeights?[] Layers { get; } = layers;

    public float[]? FinalNorm { get; } = finalNorm;
    public LinearWeight? LmHead { get; } = lmHead;

    public long ParameterCount
    {
        get
        {
            long n = (Embedding?.ParameterCount ?? 0) + (FinalNorm?.Length ?? 0);
            if (LmHead is { } head && !ReferenceEquals(head, Embedding))
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

    /// <summary>Bytes the part's weights hold in memory: linear weights, embedding, norms and biases (tied ones once).</summary>
    public long Bytes
    {
        get
        {
            long bytes = 0;
            foreach (var w in LinearLayers())
            {
                bytes += w.Bytes;
            }

            if (Embedding is { } e && !ReferenceEquals(e, LmHead))
            {
                bytes += e.Bytes;
            }

            bytes += (FinalNorm?.LongLength ?? 0) * sizeof(float);
            foreach (var layer in Layers)
            {
                if (layer is not null)
                {
                    bytes += (layer.InputNorm.LongLength + layer.PostAttentionNorm.LongLength
                        + (layer.Attention.QNorm?.LongLength ?? 0) + (layer.Attention.KNorm?.LongLength ?? 0)) * sizeof(float);
                }
            }

            return bytes;
        }
    }
}
