namespace DistInfer.Engine.Cuda;

/// <summary>
/// Prefill attention in blocks of several query tokens of one sequence (AttentionPrefill.cuh): each key and value row
/// read serves them all. A query's result has the same bits as the one-query kernel's with the same warps, so it may
/// serve batch-invariant stages too, whose re-prefill must match their decode steps.
/// </summary>
public sealed partial class CudaOps
{
    /// <summary>Environment switch: "0" keeps prefill attention on the one-query kernel (A/B runs).</summary>
    public const string PrefillAttentionVariable = "DISTINFER_CUDA_ATTN_PREFILL";

    private readonly Dictionary<(int G, int Npl, int Q), CudaKernel> _attentionPrefill = [];

    /// <summary>Query tokens per block of the last attention launch: 1, or the prefill kernel's Q.</summary>
    public int LastAttentionQueries { get; private set; } = 1;

    /// <summary>Whether prefill-shaped steps take the several-query attention kernels.</summary>
    public bool PrefillAttention { get; set; } = Environment.GetEnvironmentVariable(PrefillAttentionVariable) != "0";

    /// <summary>
    /// Query tokens per prefill block for G query heads per KV head and NPL head-dim elements per lane: as many as keep
    /// Q*G at most 16 and the Q*G*NPL accumulators at most 32 registers; 1 (none) below 2. The kernels are
    /// instantiated for exactly these.
    /// </summary>
    public static int PrefillQueries(int g, int npl)
    {
        int q = Math.Min(8, 16 / g);
        while (q > 1 && q * g * npl > 32)
        {
            q /= 2;
        }

        return q >= 2 ? q : 1;
    }

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

    private bool TryAttentionPrefill(nint q, nint kCache, nint vCache, nint output, nint slots, nint positions, int tokens, int heads,
        int kvHeads, int headDim, int maxLen, int g, int npl, int warps, int queryRun, float scale)
    {
        LastAttentionQueries = 1;
        int queries = PrefillQueries(g, npl);
        if (!PrefillAttention || queries < 2 || queryRun < queries || tokens < 2 * queries)
        {
            return false;
        }

        int shared = AttentionShared(warps, g, headDim, queries);
        if (shared > 96 * 1024)
        {
            return false;
        }

        if (!_attentionPrefill.TryGetValue((g, npl, queries), out var kernel))
        {
            kernel = _attentionModule.Kernel($"attention_prefill_g{g}_n{npl}_q{queries}_{_suffix}");
            _attentionPrefill[(g, npl, queries)] = kernel;
        }

        // The warps are the one-query kernel's, which the bits depend on; a kernel that cannot have them is not used.
        if (kernel.MaxThreadsPerBlock < warps * 32)
        {
            return false;
        }

        int group = heads / kvHeads;
        kernel.Launch(Stream, ((tokens + queries - 1) / queries, kvHeads * (group / g), 1), warps * 32, shared,
            _args.Reset().Ptr(q).Ptr(kCache).Ptr(vCache).Ptr(output).Ptr(slots).Ptr(positions).Int(tokens).Int(heads).Int(kvHeads)
                .Int(headDim).Int(maxLen).Float(scale));
        LastAttentionQueries = queries;
        return true;
    }
}
