namespace DistInfer.Engine.Cuda;

/// <summary>
/// Attention on tensor cores (AttentionMma.cuh, in the TensorCore.cu module), whose per-query result does not depend on
/// the other queries of its block, so a prefill block may hold several tokens of one sequence and a decode block one
/// token. In batch-invariant bf16 mode it serves decode and prefill alike wherever the shape allows (the choice depends
/// on the model's shape alone, never on the step); otherwise it serves prefill, about 3x faster there than the
/// one-query FMA kernel.
/// </summary>
public sealed partial class CudaOps
{
    /// <summary>Environment switch: "0" keeps attention on the FMA kernels of Attention.cu (A/B runs).</summary>
    public const string AttentionMmaVariable = "DISTINFER_CUDA_ATTN_MMA";

    private const int AttentionMmaWarps = 8;

    private readonly Dictionary<int, CudaKernel> _attentionMma = [];

    /// <summary>Whether attention may take the tensor-core kernel at all (DISTINFER_CUDA_ATTN_MMA=0: no).</summary>
    public bool AttentionMma { get; set; } = Environment.GetEnvironmentVariable(AttentionMmaVariable) != "0";

    /// <summary>Query tokens per block of the last attention launch on tensor cores; 0 when it took another kernel.</summary>
    public int LastAttentionMmaTokens { get; private set; }

    /// <summary>
    /// Whether attention with this head size takes the tensor-core kernel in a step whose sequences run
    /// <paramref name="queryRun"/> tokens: bf16 on a GPU with bf16 mma, head_dim 32, 64, 96 or 128; in batch-invariant
    /// mode every step (a function of the model's shape, so decode and prefill agree), otherwise prefill-shaped steps
    /// only (a run of 2 or more), decode keeping the split-K kernels tuned for it.
    /// </summary>
    public bool UseAttentionMma(int headDim, int queryRun = 1) =>
        AttentionMma && TensorCoresAvailable && headDim is 32 or 64 or 96 or 128 && (BatchInvariant || queryRun >= 2);

    /// <summary>
    /// Tokens per sequence of a step in which every sequence's tokens are consecutive: the step's length over its
    /// runs of equal slots. Decode steps give 1; a prefill of long prompts gives about their mean length.
    /// </summary>
    public static int MeanQueryRun(ReadOnlySpan<int> slots)
    {
        if (slots.IsEmpty)
        {
            return 0;
        }

        int runs = 1;
        for (int i = 1; i < slots.Length; i++)
        {
            runs += slots[i] != slots[i - 1] ? 1 : 0;
        }

        return slots.Length / runs;
    }

    /// <summary>
    /// Query tokens per 16-row block for <paramref name="group"/> query heads per KV head when the step's sequences
    /// run <paramref name="queryRun"/> tokens: one for decode, as many as fill the rows for a prefill.
    /// </summary>
    public static int AttentionMmaTokens(int group, int queryRun) => queryRun >= 2 && group < 16 ? Math.Max(1, 16 / group) : 1;

    /// <summary>
    /// Cuts a step's tokens into tensor-core attention blocks of at most <paramref name="tokensPerBlock"/> tokens of one
    /// sequence (runs of equal slots): (first token, tokens) pairs into <paramref name="table"/>, which holds two ints
    /// per token; returns the number of blocks. With it a mixed step's decode tokens get blocks of their own instead of
    /// sharing one with other sequences' tokens, which would run them one after another.
    /// </summary>
    public static int AttentionBlocks(ReadOnlySpan<int> slots, int tokensPerBlock, Span<int> table)
    {
        int blocks = 0;
        for (int t = 0; t < slots.Length;)
        {
            int end = t + 1;
            while (end < slots.Length && end - t < tokensPerBlock && slots[end] == slots[t])
            {
                end++;
            }

            table[2 * blocks] = t;
            table[(2 * blocks) + 1] = end - t;
            blocks++;
            t = end;
        }

        return blocks;
    }

    /// <summary>
    /// A step's attention layout from its tokens' slots: the tokens per sequence (<see cref="MeanQueryRun"/>) and, when
    /// the step takes the tensor-core kernel with several tokens per block, its block table uploaded to
    /// <paramref name="table"/> (room for two ints per token; <paramref name="scratch"/> as much on the host).
    /// </summary>
    public (int QueryRun, int Blocks) PlanAttention(ReadOnlySpan<int> slots, int heads, int kvHeads, int headDim, Span<int> scratch, nint table)
    {
        int run = MeanQueryRun(slots);
        int tpb = AttentionMmaTokens(heads / kvHeads, run);
        if (tpb < 2 || !UseAttentionMma(headDim, run))
        {
            return (run, 0);
        }

        int blocks = AttentionBlocks(slots, tpb, scratch);
        Stream.Upload<int>(scratch[..(2 * blocks)], table);
        return (run, blocks);
    }

    private void AttentionOnTensorCores(nint q, nint kCache, nint vCache, nint output, nint slots, nint positions, int tokens,
        int heads, int kvHeads, int headDim, int maxLen, int queryRun, nint blockTable, int blocks)
    {
        if (!_attentionMma.TryGetValue(headDim, out var kernel))
        {
            EnsureTensorCoreKernels();
            kernel = _tensorCoreModule!.Kernel($"attention_mma_d{headDim}");
            _attentionMma[headDim] = kernel;
        }

        int group = heads / kvHeads, tpb = AttentionMmaTokens(group, queryRun);
        // No blocks (a decode step, or a step planned without a table): the kernel's own layout, tpb tokens in order.
        if (blocks <= 0)
        {
            blockTable = 0;
        }

        int grid = blockTable != 0 ? blocks : (tokens + tpb - 1) / tpb;
        // m, l and merge factors per warp and row, row sums (32), then the larger of the warps' value tiles (bf16, rows
        // padded by 8) and their outputs.
        int shared = (((3 * AttentionMmaWarps * 16) + 32) * 4) + Math.Max(AttentionMmaWarps * 32 * (headDim + 8) * 2, AttentionMmaWarps * 16 * headDim * 4);
        kernel.Launch(Stream, (grid, kvHeads * ((group + 15) / 16), 1), AttentionMmaWarps * 32, shared,
            _args.Reset().Ptr(q).Ptr(kCache).Ptr(vCache).Ptr(output).Ptr(slots).Ptr(positions).Int(tokens).Int(heads).Int(kvHeads)
                .Int(maxLen).Float(1f / MathF.Sqrt(headDim)).Int(tpb).Ptr(blockTable));
        LastAttentionMmaTokens = tpb;
    }
}
