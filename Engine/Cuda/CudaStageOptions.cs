using System.Globalization;

namespace DistInfer.Engine.Cuda;

/// <summary>Sizes of a <see cref="CudaStage"/>'s device workspace and KV cache.</summary>
public sealed record CudaStageOptions
{
    /// <summary>Matrices in bf16 with fp32 accumulation (false: fp32).</summary>
    public bool Bf16 { get; init; } = true;

    /// <summary>Most tokens of one step (all sequences' prompt and decode tokens together).</summary>
    public int MaxTokens { get; init; } = 2048;

    /// <summary>Sequences whose KV caches the stage holds at once.</summary>
    public int MaxSequences { get; init; } = 64;

    /// <summary>Positions per sequence in the KV cache.</summary>
    public int MaxSeqLen { get; init; } = 2048;

    /// <summary>
    /// Loads MoE layers' routers (and shared experts) so a step can route and combine on the device when the
    /// experts are on this device too (DISTINFER_CUDA_STAGE_MOE=0 switches it off: every MoE layer via the host).
    /// </summary>
    public bool DeviceMoe { get; init; } = true;

    /// <summary>
    /// Replays decode-sized <see cref="CudaStage.Layers"/> calls as CUDA graphs (DISTINFER_CUDA_STAGE_GRAPHS=0 switches
    /// it off: the same kernels launched one by one).
    /// </summary>
    public bool CudaGraphs { get; init; } = true;

    /// <summary>
    /// Each token's results independent of the step's other tokens, so failover re-prefills continue greedy output
    /// unchanged (<see cref="CudaOps.BatchInvariant"/>). On unless DISTINFER_CUDA_BATCH_INVARIANT=0, which buys
    /// cuBLAS prefill (about 1.8x faster on an H100) at the cost of near-tie flips after a failover.
    /// </summary>
    public bool BatchInvariant { get; init; } = CudaOps.FabricInvariantByDefault;

    /// <summary>
    /// The defaults, with DISTINFER_CUDA_STAGE_TOKENS, DISTINFER_CUDA_STAGE_SEQUENCES and DISTINFER_CUDA_STAGE_SEQLEN
    /// read when set, the cache length capped at the model's <paramref name="maxPositions"/> (when known).
    /// </summary>
    public static CudaStageOptions FromEnvironment(int maxPositions)
    {
        var o = new CudaStageOptions();
        int seqLen = Read("DISTINFER_CUDA_STAGE_SEQLEN", o.MaxSeqLen);
        return o with
        {
            MaxTokens = MaxTokensFromEnvironment(),
            MaxSequences = Read("DISTINFER_CUDA_STAGE_SEQUENCES", o.MaxSequences),
            MaxSeqLen = maxPositions > 0 ? Math.Min(seqLen, maxPositions) : seqLen,
            DeviceMoe = Environment.GetEnvironmentVariable("DISTINFER_CUDA_STAGE_MOE") != "0",
            CudaGraphs = Environment.GetEnvironmentVariable("DISTINFER_CUDA_STAGE_GRAPHS") != "0",
        };
    }

    /// <summary>A step's most tokens: DISTINFER_CUDA_STAGE_TOKENS when set, else the default.</summary>
    public static int MaxTokensFromEnvironment() => Read("DISTINFER_CUDA_STAGE_TOKENS", new CudaStageOptions().MaxTokens);

    private static int Read(string name, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new DistInferException($"{name} must be a positive integer (got '{text}')");
    }
}
