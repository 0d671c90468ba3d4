namespace DistInfer.Engine.Config;

/// <summary>
/// The architecture facts the engine needs, normalised across model types (llama, mixtral, qwen2_moe, qwen3_moe,
/// olmoe). Built by <see cref="ModelConfigReader"/> from a Hugging Face config.json.
/// </summary>
public sealed record ModelConfig
{
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }

    /// <summary>Width of a dense (non-MoE) layer's MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Width of one routed expert's MLP.</summary>
    public int ExpertIntermediateSize { get; init; }

    public int NumExperts { get; init; }
    public int TopK { get; init; }

    /// <summary>Renormalise the top-k routing weights to sum to one.</summary>
    public bool NormTopKProb { get; init; }

    /// <summary>
    /// The router hands the experts its top-k weights in the model dtype (transformers casts them for Qwen2-MoE,
    /// Qwen3-MoE and OLMoE); Mixtral's router keeps them fp32. Matters only when emulating bf16 compute.
    /// </summary>
    public bool RoutingWeightsInModelDType { get; init; }

    /// <summary>Qwen2-MoE shared expert width (0: none); its output is scaled by sigmoid(shared_expert_gate).</summary>
    public int SharedExpertIntermediateSize { get; init; }

    /// <summary>Per-layer: true where the layer's MLP is a routed MoE block.</summary>
    public required IReadOnlyList<bool> MoeLayers { get; init; }

    public bool AttentionBias { get; init; }
    public QkNormKind QkNorm { get; init; }

    /// <summary>OLMoE clamps q, k and v to [-clip, clip] when set.</summary>
    public float? ClipQkv { get; init; }

    public required float RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public int MaxPositionEmbeddings { get; init; }
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Prefix of the decoder's tensor names ("model").</summary>
    public string TensorPrefix { get; init; } = "model";

    /// <summary>Mixtral stores experts under block_sparse_moe with w1/w3/w2 names.</summary>
    public bool MixtralExpertNames { get; init; }

    /// <summary>The checkpoint's declared dtype ("bfloat16", "float32", ...), from dtype or torch_dtype.</summary>
    public string? DType { get; init; }

    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }

    public bool IsMoe => NumExperts > 0;

    /// <summary>Index of each MoE layer among MoE layers (-1 for dense layers): router_logits.i numbering.</summary>
    public int MoeLayerOrdinal(int layer)
    {
        if (!MoeLayers[layer])
        {
            return -1;
        }

        var ordinal = 0;
        for (var i = 0; i < layer; i++)
        {
            if (MoeLayers[i])
            {
                ordinal++;
            }
        }

        return ordinal;
    }

    /// <summary>The eos id a finished sequence is padded with, or 0.</summary>
    public int PaddingTokenId => PadTokenId ?? (EosTokenIds.Count > 0 ? EosTokenIds[0] : 0);
}
