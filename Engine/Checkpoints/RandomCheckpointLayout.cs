using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>The tensors of each supported architecture, named and shaped exactly as Hugging Face stores them.</summary>
internal static class RandomCheckpointLayout
{
    public static readonly string[] Architectures = ["llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe"];

    /// <summary>Tensors in state-dict order (embeddings, layer by layer, final norm, lm_head) and whether each is a norm.</summary>
    public static List<(TensorSpec Spec, bool IsNorm)> Build(ModelInitOptions o)
    {
        var list = new List<(TensorSpec, bool)>();
        var dtype = o.DType;
        long h = o.Hidden;
        long hd = o.ResolvedHeadDim;
        long q = o.Heads * hd;
        long kv = o.KvHeads * hd;
        long f = o.Ffn;
        void Add(string name, bool isNorm, params long[] shape) => list.Add((new TensorSpec(name, dtype, shape), isNorm));

        Add("model.embed_tokens.weight", false, o.Vocab, h);
        for (int l = 0; l < o.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", true, h);
            Add(p + "post_attention_layernorm.weight", true, h);
            Add(p + "self_attn.q_proj.weight", false, q, h);
            Add(p + "self_attn.k_proj.weight", false, kv, h);
            Add(p + "self_attn.v_proj.weight", false, kv, h);
            Add(p + "self_attn.o_proj.weight", false, h, q);
            switch (o.Architecture)
            {
                case "llama":
                    Add(p + "mlp.gate_proj.weight", false, f, h);
                    Add(p + "mlp.up_proj.weight", false, f, h);
                    Add(p + "mlp.down_proj.weight", false, h, f);
                    break;
                case "mixtral":
                    Add(p + "block_sparse_moe.gate.weight", false, o.Experts, h);
                    for (int e = 0; e < o.Experts; e++)
                    {
                        string x = $"{p}block_sparse_moe.experts.{e}.";
                        Add(x + "w1.weight", false, f, h);
                        Add(x + "w2.weight", false, h, f);
                        Add(x + "w3.weight", false, f, h);
                    }

                    break;
                default:
                    AddQwenStyleMoe(Add, p, o);
                    break;
            }

            if (o.Architecture == "qwen2_moe")
            {
                Add(p + "self_attn.q_proj.bias", false, q);
                Add(p + "self_attn.k_proj.bias", false, kv);
                Add(p + "self_attn.v_proj.bias", false, kv);
                long s = o.ResolvedSharedExpertFfn;
                Add(p + "mlp.shared_expert.gate_proj.weight", false, s, h);
                Add(p + "mlp.shared_expert.up_proj.weight", false, s, h);
                Add(p + "mlp.shared_expert.down_proj.weight", false, h, s);
                Add(p + "mlp.shared_expert_gate.weight", false, 1, h);
            }
            else if (o.Architecture == "qwen3_moe")
            {
                Add(p + "self_attn.q_norm.weight", true, hd);
                Add(p + "self_attn.k_norm.weight", true, hd);
            }
            else if (o.Architecture == "olmoe")
            {
                Add(p + "self_attn.q_norm.weight", true, q);
                Add(p + "self_attn.k_norm.weight", true, kv);
            }
        }

        Add("model.norm.weight", true, h);
        Add("lm_head.weight", false, o.Vocab, h);
        return list;
    }

    /// <summary>Throws <see cref="CheckpointException"/> naming the first option that cannot make a valid model.</summary>
    public static void Validate(ModelInitOptions o)
    {
        if (Array.IndexOf(Architectures, o.Architecture) < 0)
        {
            Fail($"unknown architecture '{o.Architecture}' (supported: {string.Join(", ", Architectures)})");
        }

        RequirePositive(o.Hidden, "hidden");
        RequirePositive(o.Layers, "layers");
        RequirePositive(o.Heads, "heads");
        RequirePositive(o.KvHeads, "kv_heads");
        RequirePositive(o.Ffn, "ffn");
        RequirePositive(o.Vocab, "vocab");
        RequirePositive(o.ResolvedSharedExpertFfn, "shared_expert_ffn");
        if (o.HeadDim is null && o.Hidden % o.Heads != 0)
        {
            Fail($"hidden {o.Hidden} is not a multiple of heads {o.Heads}; pass head_dim");
        }

        RequirePositive(o.ResolvedHeadDim, "head_dim");
        if (o.HeadDim is int hd && hd * o.Heads != o.Hidden && o.Architecture is "qwen2_moe" or "olmoe")
        {
            Fail($"{o.Architecture} needs head_dim = hidden / heads ({o.Hidden} / {o.Heads}), got {hd}");
        }

        if (o.Heads % o.KvHeads != 0)
        {
            Fail($"heads {o.Heads} is not a multiple of kv_heads {o.KvHeads}");
        }

        if (o.Architecture != "llama")
        {
            RequirePositive(o.Experts, "experts");
            if (o.TopK < 1 || o.TopK > o.Experts)
            {
                Fail($"top_k {o.TopK} must be between 1 and experts {o.Experts}");
            }
        }

        if (o.DType is not (DType.BF16 or DType.F32 or DType.F16))
        {
            Fail($"dtype {o.DType.ToSafeTensorsName()} is not a floating-point type (use bf16, f16 or f32)");
        }

        if (!(o.InitStd > 0) || double.IsInfinity(o.InitStd))
        {
            Fail($"init std {o.InitStd} must be a positive number");
        }

        if (o.MaxShardBytes <= 0)
        {
            Fail($"max shard bytes {o.MaxShardBytes} must be positive");
        }
    }

    private static void AddQwenStyleMoe(Action<string, bool, long[]> add, string p, ModelInitOptions o)
    {
        long h = o.Hidden;
        long f = o.Ffn;
        add(p + "mlp.gate.weight", false, [o.Experts, h]);
        for (int e = 0; e < o.Experts; e++)
        {
            string x = $"{p}mlp.experts.{e}.";
            add(x + "gate_proj.weight", false, [f, h]);
            add(x + "up_proj.weight", false, [f, h]);
            add(x + "down_proj.weight", false, [h, f]);
        }
    }

    private static void RequirePositive(long value, string option)
    {
        if (value <= 0)
        {
            Fail($"{option} must be positive, got {value}");
        }
    }

    private static void Fail(string message) => throw new CheckpointException("invalid model options: " + message);
}
