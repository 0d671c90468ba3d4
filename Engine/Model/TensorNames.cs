using DistInfer.Engine.Config;

namespace DistInfer.Engine.Model;

/// <summary>Hugging Face tensor names for each supported architecture.</summary>
public sealed class TensorNames(ModelConfig config)
{
    private readonly string _p = config.TensorPrefix;

    public string Embedding => $"{_p}.embed_tokens.weight";
    public string FinalNorm => $"{_p}.norm.weight";
    public string LmHead => "lm_head.weight";

    public string Layer(int layer, string suffix) => $"{_p}.layers.{layer}.{suffix}";

    public string InputNorm(int layer) => Layer(layer, "input_layernorm.weight");
    public string PostAttentionNorm(int layer) => Layer(layer, "post_attention_layernorm.weight");
    public string Attention(int layer, string proj, string kind = "weight") => Layer(layer, $"self_attn.{proj}.{kind}");
    public string DenseMlp(int layer, string proj) => Layer(layer, $"mlp.{proj}_proj.weight");

    public string Router(int layer) => config.MixtralExpertNames
        ? Layer(layer, "block_sparse_moe.gate.weight")
        : Layer(layer, "mlp.gate.weight");

    /// <summary>Expert projection: <paramref name="proj"/> is gate, up or down.</summary>
    public string Expert(int layer, int expert, string proj) => config.MixtralExpertNames
        ? Layer(layer, $"block_sparse_moe.experts.{expert}.{MixtralName(proj)}.weight")
        : Layer(layer, $"mlp.experts.{expert}.{proj}_proj.weight");

    public string SharedExpert(int layer, string proj) => Layer(layer, $"mlp.shared_expert.{proj}_proj.weight");
    public string SharedExpertGate(int layer) => Layer(layer, "mlp.shared_expert_gate.weight");

    private static string MixtralName(string proj) => proj switch
    {
        "gate" => "w1",
        "up" => "w3",
        "down" => "w2",
        _ => throw new ArgumentOutOfRangeException(nameof(proj), proj, "gate, up or down"),
    };
}
