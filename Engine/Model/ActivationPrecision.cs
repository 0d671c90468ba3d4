namespace DistInfer.Engine.Model;

/// <summary>
/// Where activations are rounded. Float32 computes everything in fp32. BFloat16 rounds to bf16 where transformers
/// running a bf16 model rounds (linear outputs, norm outputs, RoPE, attention probabilities, expert activations,
/// the MoE combine once per token, logits) while accumulating in fp32, so greedy choices at near-ties agree with
/// bf16 inference. Residual sums are rounded after the next RMSNorm has read them (see TransformerModel).
/// </summary>
public enum ActivationPrecision
{
    Float32,
    BFloat16,
}
