using System.Text.Json;

namespace DistInfer.Engine.Cuda;

/// <summary>How q and k are normalised before RoPE.</summary>
public enum QkNormKind
{
    None,

    /// <summary>Qwen3-MoE: RMSNorm over head_dim per head.</summary>
    PerHead,

    /// <summary>OLMoE: RMSNorm over the whole q (and k) projection.</summary>
    FullWidth,
}

/// <summary>
/// The shape and options of a decoder the GPU forward runs (llama, mixtral, qwen2_moe, qwen3_moe, olmoe),
/// read from a Hugging Face config.json.
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
    public IReadOnlyList<int> MlpOnlyLayers { get; init; } = [];
    public int DecoderSparseStep { get; init; } = 1;

    public bool IsMoeLayer(int layer) =>
        Experts > 0 && !MlpOnlyLayers.Contains(layer) && (layer + 1) % Math.Max(1, DecoderSparseStep) == 0;

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

    /// <summary>Reads a Hugging Face config.json; unsupported model types or options are errors naming them.</summary>
    public static CudaModelSpec FromConfigJson(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string type = Str(r, "model_type") ?? throw new DistInferException($"{source}: config.json has no model_type");
        if (type is not ("llama" or "mixtral" or "qwen2_moe" or "qwen3_moe" or "olmoe"))
        {
            throw new DistInferException($"{source}: model_type '{type}' is not supported by the GPU forward");
        }

        int hidden = Int(r, "hidden_size", source);
        int heads = Int(r, "num_attention_heads", source);
        int experts = OptInt(r, "num_local_experts") ?? OptInt(r, "num_experts") ?? 0;
        double theta = 10000.0;
        if (r.TryGetProperty("rope_parameters", out var rp) && rp.ValueKind == JsonValueKind.Object && rp.TryGetProperty("rope_theta", out var rt1))
        {
            theta = rt1.GetDouble();
        }
        else if (r.TryGetProperty("rope_theta", out var rt2) && rt2.ValueKind == JsonValueKind.Number)
        {
            theta = rt2.GetDouble();
        }

        var mlpOnly = new List<int>();
        if (r.TryGetProperty("mlp_only_layers", out var mo) && mo.ValueKind == JsonValueKind.Array)
        {
            foreach (var v in mo.EnumerateArray())
            {
                mlpOnly.Add(v.GetInt32());
            }
        }

        int inter = Int(r, "intermediate_size", source);
        return new CudaModelSpec
        {
            ModelType = type,
            Hidden = hidden,
            Layers = Int(r, "num_hidden_layers", source),
            Heads = heads,
            KvHeads = OptInt(r, "num_key_value_heads") ?? heads,
            HeadDim = OptInt(r, "head_dim") ?? hidden / heads,
            Vocab = Int(r, "vocab_size", source),
            Intermediate = inter,
            Experts = type == "llama" ? 0 : experts,
            TopK = OptInt(r, "num_experts_per_tok") ?? 0,
            MoeIntermediate = OptInt(r, "moe_intermediate_size") ?? inter,
            NormTopKProb = type == "mixtral" || (r.TryGetProperty("norm_topk_prob", out var nt) && nt.ValueKind == JsonValueKind.True),
            SharedExpertIntermediate = type == "qwen2_moe" ? OptInt(r, "shared_expert_intermediate_size") ?? 0 : 0,
            QkvBias = type == "qwen2_moe" ? Bool(r, "qkv_bias", true) : Bool(r, "attention_bias", false),
            QkNorm = type switch { "qwen3_moe" => QkNormKind.PerHead, "olmoe" => QkNormKind.FullWidth, _ => QkNormKind.None },
            ClipQkv = r.TryGetProperty("clip_qkv", out var cq) && cq.ValueKind == JsonValueKind.Number ? (float)cq.GetDouble() : null,
            RopeTheta = theta,
            RmsNormEps = r.TryGetProperty("rms_norm_eps", out var eps) && eps.ValueKind == JsonValueKind.Number ? (float)eps.GetDouble() : 1e-6f,
            TieWordEmbeddings = Bool(r, "tie_word_embeddings", false),
            MlpOnlyLayers = mlpOnly,
            DecoderSparseStep = OptInt(r, "decoder_sparse_step") ?? 1,
        };
    }

    private static string? Str(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? OptInt(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static int Int(JsonElement r, string name, string source) =>
        OptInt(r, name) ?? throw new DistInferException($"{source}: config.json has no integer {name}");

    private static bool Bool(JsonElement r, string name, bool fallback) =>
        r.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : fallback;
}
