using System.Globalization;
using System.Text.Json;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Writes config.json with the fields transformers 5.x saves for each architecture (as in Tests/Fixtures/hf),
/// keys sorted and indented by two like save_pretrained.
/// </summary>
internal static class HfConfigWriter
{
    private const string TransformersVersion = "5.17.0";

    public static void Write(string path, ModelInitOptions o)
    {
        var config = Build(o);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteValue(json, config);
        }

        stream.WriteByte((byte)'\n');
    }

    internal static SortedDictionary<string, object?> Build(ModelInitOptions o)
    {
        var c = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["attention_dropout"] = 0.0,
            ["dtype"] = o.DType switch { DType.BF16 => "bfloat16", DType.F16 => "float16", _ => "float32" },
            ["hidden_act"] = "silu",
            ["hidden_size"] = o.Hidden,
            ["initializer_range"] = o.InitStd,
            ["intermediate_size"] = o.Ffn,
            ["max_position_embeddings"] = o.MaxPositionEmbeddings,
            ["model_type"] = o.Architecture,
            ["num_attention_heads"] = o.Heads,
            ["num_hidden_layers"] = o.Layers,
            ["num_key_value_heads"] = o.KvHeads,
            ["pad_token_id"] = null,
            ["rms_norm_eps"] = o.RmsNormEps,
            ["rope_parameters"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["rope_theta"] = o.RopeTheta,
                ["rope_type"] = "default",
            },
            ["tie_word_embeddings"] = false,
            ["transformers_version"] = TransformersVersion,
            ["use_cache"] = true,
            ["vocab_size"] = o.Vocab,
        };

        bool moe = o.Architecture != "llama";
        if (moe)
        {
            c["num_experts_per_tok"] = o.TopK;
            c["output_router_logits"] = false;
            c["router_aux_loss_coef"] = 0.001;
        }

        switch (o.Architecture)
        {
            case "llama":
                c["architectures"] = new[] { "LlamaForCausalLM" };
                c["attention_bias"] = false;
                c["bos_token_id"] = 1;
                c["eos_token_id"] = 2;
                c["head_dim"] = o.ResolvedHeadDim;
                c["mlp_bias"] = false;
                c["pretraining_tp"] = 1;
                break;
            case "mixtral":
                c["architectures"] = new[] { "MixtralForCausalLM" };
                c["bos_token_id"] = 1;
                c["eos_token_id"] = 2;
                // transformers saves null when head_dim is the default hidden / heads.
                c["head_dim"] = o.ResolvedHeadDim * o.Heads == o.Hidden ? null : o.ResolvedHeadDim;
                c["num_local_experts"] = o.Experts;
                c["router_jitter_noise"] = 0.0;
                c["sliding_window"] = null;
                break;
            case "qwen2_moe":
                c["architectures"] = new[] { "Qwen2MoeForCausalLM" };
                AddQwenCommon(c, o);
                c["layer_types"] = Enumerable.Repeat("full_attention", o.Layers).ToArray();
                c["max_window_layers"] = 28;
                c["norm_topk_prob"] = false;
                c["num_experts"] = o.Experts;
                c["qkv_bias"] = true;
                c["shared_expert_intermediate_size"] = o.ResolvedSharedExpertFfn;
                c["sliding_window"] = 0;
                break;
            case "qwen3_moe":
                c["architectures"] = new[] { "Qwen3MoeForCausalLM" };
                AddQwenCommon(c, o);
                c["attention_bias"] = false;
                c["head_dim"] = o.ResolvedHeadDim;
                c["norm_topk_prob"] = true;
                c["num_local_experts"] = o.Experts;
                c["sliding_window"] = null;
                break;
            case "olmoe":
                c["architectures"] = new[] { "OlmoeForCausalLM" };
                c["attention_bias"] = false;
                c["bos_token_id"] = null;
                c["clip_qkv"] = null;
                c["eos_token_id"] = 50279;
                c["norm_topk_prob"] = false;
                c["num_experts"] = o.Experts;
                c["pad_token_id"] = 1;
                c["router_aux_loss_coef"] = 0.01;
                break;
            default:
                throw new CheckpointException($"invalid model options: unknown architecture '{o.Architecture}'");
        }

        return c;
    }

    private static void AddQwenCommon(SortedDictionary<string, object?> c, ModelInitOptions o)
    {
        c["bos_token_id"] = null;
        c["decoder_sparse_step"] = 1;
        c["eos_token_id"] = null;
        c["mlp_only_layers"] = Array.Empty<int>();
        c["intermediate_size"] = o.DenseFfn ?? o.Ffn;
        c["moe_intermediate_size"] = o.Ffn;
        c["use_sliding_window"] = false;
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case double d:
                json.WriteRawValue(FormatFloat(d));
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case string[] strings:
                json.WriteStartArray();
                foreach (var s in strings)
                {
                    json.WriteStringValue(s);
                }

                json.WriteEndArray();
                break;
            case int[] ints:
                json.WriteStartArray();
                foreach (var i in ints)
                {
                    json.WriteNumberValue(i);
                }

                json.WriteEndArray();
                break;
            case SortedDictionary<string, object?> map:
                json.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    json.WritePropertyName(key);
                    WriteValue(json, item);
                }

                json.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException($"config value of type {value.GetType().Name} is not supported");
        }
    }

    /// <summary>Python-style float text: integral values keep ".0" so they load as floats (1000000.0, 1e-05).</summary>
    private static string FormatFloat(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new CheckpointException($"invalid model options: {value} cannot be written to config.json");
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e16)
        {
            return value.ToString("F1", CultureInfo.InvariantCulture);
        }

        return value.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant();
    }
}
