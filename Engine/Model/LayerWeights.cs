namespace DistInfer.Engine.Model;

/// <summary>One decoder layer: norms, attention, and either a dense MLP or an MoE block.</summary>
public sealed class LayerWeights(int index, float[] inputNorm, float[] postAttentionNorm, AttentionWeights attention, SwiGluWeights? mlp, MoeWeights? moe)
{
    public int Index { get; } = index;
    public float[] InputNorm { get; } = inputNorm;
    public float[] PostAttentionNorm { get; } = postAttentionNorm;
    public AttentionWeights Attention { get; } = attention;
    public SwiGluWeights? Mlp { get; } = mlp;
    public MoeWeights? Moe { get; } = moe;

    public long ParameterCount => InputNorm.Length + PostAttentionNorm.Length + Attention.ParameterCount
        + (Mlp?.ParameterCount ?? 0) + (Moe?.ParameterCount ?? 0);
}
