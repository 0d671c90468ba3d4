namespace DistInfer.Engine.Cuda;

/// <summary>Sizes and switches of a <see cref="CudaTransformer"/>.</summary>
public sealed record CudaTransformerOptions
{
    /// <summary>
    /// Weights (and GEMM inputs, KV cache) in bf16 with fp32 accumulation, MoE routers kept fp32; false keeps
    /// everything fp32.
    /// </summary>
    public bool Bf16 { get; init; } = true;

    /// <summary>Most tokens in one forward (batch × new tokens).</summary>
    public int MaxTokens { get; init; } = 512;

    /// <summary>Most sequences decoded together (KV cache slots).</summary>
    public int MaxBatch { get; init; } = 8;

    public int MaxSeqLen { get; init; } = 512;

    /// <summary>Most rows of logits one call returns (MaxTokens to read every position's logits).</summary>
    public int MaxLogitRows { get; init; } = 8;

    /// <summary>Replay each decode step as a CUDA graph where the step needs no host round trip.</summary>
    public bool UseCudaGraphs { get; init; } = true;

    /// <summary>
    /// Routed rows (tokens × top-k) up to which experts run as skinny kernels that read the expert ids on the
    /// device (no host round trip); above it, one cuBLAS GEMM per expert after reading the counts.
    /// </summary>
    public int SkinnyMoeMaxRows { get; init; } = 64;
}
