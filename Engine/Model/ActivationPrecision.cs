namespace DistInfer.Engine.Model;

/// <summary>
/// Where activations are rounded. Float32 computes everything in fp32. BFloat16 rounds to bf16 at every point where
/// transformers running a bf16 model rounds (linear outputs, norm outputs, RoPE, residual adds, expert combine,
/// logits) while accumulating in fp32, so greedy choices at near-ties agree with bf16 inference.
/// </summary>
public enum ActivationPrecision
{
    Float32,
    BFloat16,
}
