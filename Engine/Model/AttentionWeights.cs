namespace DistInfer.Engine.Model;

/// <summary>
/// One layer's attention: q, k and v fused into one [(heads + 2·kvHeads)·headDim, H] projection, the output
/// projection, and the optional q/k norms (per head for Qwen3-MoE, full width for OLMoE).
/// </summary>
public sealed class AttentionWeights(LinearWeight qkv, LinearWeight output, float[]? qNorm, float[]? kNorm)
{
    public LinearWeight Qkv { get; } = qkv;
    public LinearWeight Output { get; } = output;
    public float[]? QNorm { get; } = qNorm;
    public float[]? KNorm { get; } = kNorm;

    public long ParameterCount => Qkv.ParameterCount + Output.ParameterCount + (QNorm?.Length ?? 0) + (KNorm?.Length ?? 0);
}
