using DistInfer.Engine.Config;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// The shape and options of a decoder the GPU forward runs (llama, mixtral, qwen2_moe, qwen3_moe, olmoe),
/// built from the engine's <see cref="ModelConfig"/>.
/// </summary>
public sealed record CudaModelSpec
{
    public required string ModelType { get; init; }
    public required int Hidden { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int Vocab { get; init; }
    public required int Intermediate { get; init; }
    public int Experts { get; init; }
    public int TopK { get; init; }
    public int MoeIntermediate { get; init; }
    public bool NormTopKProb { get; init; }
    public int SharedExpertIntermediate { get; init; }
    public bool QkvBias { get; init; }
    public QkNormKind QkNorm { get; init; }
    public float? ClipQkv { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    public float RmsNormEps { get; init; } = 1e-6f;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Per layer, whether its MLP is a routed MoE block; null: every layer when there are experts.</summary>
    public IReadOnlyList<bool>? MoeLayerMask { get; init; }

    public bool IsMoeLayer(int layer) => Experts > 0 && (MoeLayerMask is null || MoeLayerMask[layer]);

    /// <summary>The tensor-name prefix of layer <paramref name="layer"/>'s MoE block.</summary>
    public string MoePrefix(int layer) => ModelType == "mixtral" ? $"model.layers.{layer}.block_sparse_moe" : $"model.layers.{layer}.mlp";

    /// <summary>Expert projection names (gate, up, down) inside an expert.</summary>
    public (string Gate, string Up, string Down) ExpertNames => ModelType == "mixtral" ? ("w1", "w3", "w2") : ("gate_proj", "up_proj", "down_proj");

    /// <summary>The 640 M-parameter Mixtral-style benchmark shape of hf_decode_bench.py.</summary>
    public static CudaModelSpec BenchmarkMixtral() => new()
    {
        ModelType = "mixtral", Hidden = 1024, Layers = 8, Heads = 16, KvHeads = 4, HeadDim = 64, Vocab = 32000,
        Intermediate = 2816, MoeIntermediate = 2816, Experts = 8, TopK = 2, NormTopKProb = true, RopeTheta = 1e6, RmsNormEps = 1e-5f,
    };

    /// <summary>The GPU view of the engine's parsed config (ModelConfigReader).</summary>
    public static CudaModelSpec FromModelConfig(ModelConfig c) => new()
    {
        ModelType = c.ModelType,
        Hidden = c.HiddenSize,
        Layers = c.NumLayers,
        Heads = c.NumHeads,
        KvHeads = c.NumKvHeads,
        HeadDim = c.HeadDim,
        Vocab = c.VocabSize,
        Intermediate = c.IntermediateSize,
        Experts = c.NumExperts,
        TopK = c.TopK,
        MoeIntermediate = c.ExpertIntermediateSize > 0 ? c.ExpertIntermediateSize : c.IntermediateSize,
        NormTopKProb = c.NormTopKProb,
        SharedExpertIntermediate = c.SharedExpertIntermediateSize,
        QkvBias = c.AttentionBias,
        QkNorm = c.QkNorm,
        ClipQkv = c.ClipQkv,
        RopeTheta = c.RopeTheta,
        RmsNormEps = c.RmsNormEps,
        TieWordEmbeddings = c.TieWordEmbeddings,
        MoeLayerMask = c.MoeLayers,
    };
}
