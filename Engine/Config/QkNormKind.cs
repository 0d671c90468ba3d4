namespace DistInfer.Engine.Config;

/// <summary>How query/key projections are normalised before RoPE.</summary>
public enum QkNormKind
{
    None,

    /// <summary>RMSNorm over each head's head_dim values (Qwen3-MoE).</summary>
    PerHead,

    /// <summary>RMSNorm over the whole projection width (OLMoE).</summary>
    FullWidth,
}
