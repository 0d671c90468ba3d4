using System.Text.Json;

namespace DistInfer.Engine.Config;

/// <summary>Reads a Hugging Face config.json into a <see cref="ModelConfig"/>; unsupported options are errors that say which.</summary>
public static class ModelConfigReader
{
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe"];

    /// <summary>Reads DIR/config.json, or the file itself when given a path to a .json file.</summary>
    public static ModelConfig Load(string modelDirOrFile)
    {
        var path = Directory.Exists(modelDirOrFile) ? Path.Combine(modelDirOrFile, "config.json") : modelDirOrFile;
        if (!File.Exists(path))
        {
            throw new ConfigException($"config.json not found: {path}");
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static ModelConfig Parse(string json, string source = "config.json")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{source}: not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ConfigException($"{source}: expected a JSON object");
            }

            return Build(new ConfigJson(doc.RootElement, source));
        }
    }

    private static ModelConfig Build(ConfigJson c)
    {
        var modelType = c.String("model_type") ?? throw c.Error("model_type", "is missing");
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw new ConfigException($"{c.Source}: unsupported model_type '{modelType}' (supported: {string.Join(", ", SupportedModelTypes)})");
        }

        var act = c.String("hidden_act") ?? "silu";
        if (act != "silu")
        {
            throw new ConfigException($"{c.Source}: unsupported hidden_act '{act}' (only silu)");
        }

        if (c.Bool("mlp_bias") == true)
        {
            throw new ConfigException($"{c.Source}: unsupported option mlp_bias=true");
        }

        var hidden = c.RequiredInt("hidden_size");
        var heads = c.RequiredInt("num_attention_heads");
        var kvHeads = c.Int("num_key_value_heads") ?? heads;
        var headDim = c.Int("head_dim") ?? (heads > 0 ? hidden / heads : 0);
        var layers = c.RequiredInt("num_hidden_layers");
        var vocab = c.RequiredInt("vocab_size");
        var intermediate = c.Int("intermediate_size") ?? 0;
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw c.Error("num_key_value_heads", $"must divide num_attention_heads ({heads} heads, {kvHeads} kv heads)");
        }

        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw c.Error("head_dim", $"must be a positive even number (got {headDim})");
        }

        var ropeTheta = ReadRopeTheta(c);
        var isMixtral = modelType == "mixtral";
        var numExperts = modelType == "llama" ? 0 : c.Int("num_local_experts") ?? c.Int("num_experts") ?? 0;
        var topK = c.Int("num_experts_per_tok") ?? 0;
        if (modelType != "llama" && (numExperts <= 0 || topK <= 0 || topK > numExperts))
        {
            throw c.Error("num_experts_per_tok", $"needs 0 < top-k <= experts (experts {numExperts}, top-k {topK})");
        }

        var expertWidth = modelType is "qwen2_moe" or "qwen3_moe" ? c.Int("moe_intermediate_size") ?? intermediate : intermediate;
        var moeLayers = MoeLayerMap(c, modelType, layers, numExperts);
        if (moeLayers.Contains(false) && intermediate <= 0)
        {
            throw c.Error("intermediate_size", "is needed for dense layers");
        }

        var sliding = c.Int("sliding_window");
        var slidingOn = modelType is "qwen2_moe" or "qwen3_moe" ? c.Bool("use_sliding_window") == true : sliding is > 0;
        if (slidingOn)
        {
            throw c.Error("sliding_window", "sliding-window attention is not supported");
        }

        if (c.Double("partial_rotary_factor") is { } partial && partial != 1.0)
        {
            throw c.Error("partial_rotary_factor", "partial rotary embeddings are not supported");
        }

        return new ModelConfig
        {
            ModelType = modelType,
            VocabSize = vocab,
            HiddenSize = hidden,
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            IntermediateSize = intermediate,
            ExpertIntermediateSize = numExperts > 0 ? expertWidth : 0,
            NumExperts = numExperts,
            TopK = topK,
            NormTopKProb = isMixtral || (c.Bool("norm_topk_prob") ?? false),
            RoutingWeightsInModelDType = !isMixtral,
            SharedExpertIntermediateSize = modelType == "qwen2_moe" ? c.Int("shared_expert_intermediate_size") ?? 0 : 0,
            MoeLayers = moeLayers,
            AttentionBias = modelType == "qwen2_moe" ? c.Bool("qkv_bias") ?? true : c.Bool("attention_bias") ?? false,
            QkNorm = modelType switch { "qwen3_moe" => QkNormKind.PerHead, "olmoe" => QkNormKind.FullWidth, _ => QkNormKind.None },
            ClipQkv = modelType == "olmoe" && c.Double("clip_qkv") is { } clip ? (float)clip : null,
            RmsNormEps = (float)(c.Double("rms_norm_eps") ?? 1e-6),
            RopeTheta = ropeTheta,
            MaxPositionEmbeddings = c.Int("max_position_embeddings") ?? 4096,
            TieWordEmbeddings = c.Bool("tie_word_embeddings") ?? false,
            MixtralExpertNames = isMixtral,
            DType = c.String("dtype") ?? c.String("torch_dtype"),
            BosTokenId = c.Int("bos_token_id"),
            EosTokenIds = c.IntOrIntList("eos_token_id"),
            PadTokenId = c.Int("pad_token_id"),
        };
    }

    private static double ReadRopeTheta(ConfigJson c)
    {
        // transformers 5 nests rope settings in rope_parameters; older configs use rope_theta and rope_scaling.
        var parameters = c.Object("rope_parameters");
        var scaling = c.Object("rope_scaling");
        foreach (var (name, obj) in new[] { ("rope_parameters", parameters), ("rope_scaling", scaling) })
        {
            // Older rope_scaling objects name the kind "type" instead of "rope_type".
            if (obj is { } o && (o.String("rope_type") ?? o.String("type")) is { } type && type != "default")
            {
                throw o.Error("rope_type", $"unsupported rope_type '{type}' in {name} (only default)");
            }
        }

        return parameters?.Double("rope_theta") ?? c.Double("rope_theta") ?? 10000.0;
    }

    private static bool[] MoeLayerMap(ConfigJson c, string modelType, int layers, int numExperts)
    {
        var map = new bool[layers];
        if (numExperts == 0)
        {
            return map;
        }

        if (modelType is not ("qwen2_moe" or "qwen3_moe"))
        {
            Array.Fill(map, true);
            return map;
        }

        var step = c.Int("decoder_sparse_step") ?? 1;
        if (step <= 0)
        {
            throw c.Error("decoder_sparse_step", $"must be positive (got {step})");
        }

        var mlpOnly = c.IntOrIntList("mlp_only_layers");
        for (var i = 0; i < layers; i++)
        {
            map[i] = !mlpOnly.Contains(i) && (i + 1) % step == 0;
        }

        return map;
    }
}
