namespace DistInfer.Engine.Cuda;

/// <summary>
/// Typed launches of the embedded kernels on one stream. "Act" is the GEMM input type: bf16 when the weights are
/// bf16, fp32 otherwise; GEMM outputs, the residual stream and q are always fp32.
/// </summary>
public sealed partial class CudaOps : IDisposable
{
    private readonly KernelArgs _args = new();
    private readonly string _suffix;
    private readonly CudaKernel _embed, _rmsnorm, _siluMul, _qkvPrep, _gatherRows, _gemv, _gemvGateUp, _moeGateUp, _moeDown, _moeGateUpTable, _moeDownTable;
    private readonly CudaKernel _routerTopK, _routerFused, _moeCombine, _argmax, _fillRandom, _fillRandomF32, _fillF32, _toBf16, _gemvQkvRope, _gemvF32;
    private readonly KernelModule _attentionModule;
    private readonly CudaKernel _attentionCombine;
    private readonly Dictionary<(int G, int Npl), CudaKernel> _attention = [];

    public CudaOps(CudaDevice device, CudaStream stream, bool bf16)
    {
        Device = device;
        Stream = stream;
        Bf16 = bf16;
        Blas = new CublasHandle(device, stream);
        _suffix = bf16 ? "bf16" : "f32";
        var el = device.Module("Elementwise.cu");
        var at = device.Module("Attention.cu");
        var moe = device.Module("Moe.cu");
        var gv = device.Module("Gemv.cu");
        _embed = el.Kernel("embed_" + _suffix);
        _rmsnorm = el.Kernel("rmsnorm_" + _suffix);
        _siluMul = el.Kernel("silu_mul_" + _suffix);
        _argmax = el.Kernel("argmax_advance");
        _fillRandom = el.Kernel("fill_random_bf16");
        _fillRandomF32 = el.Kernel("fill_random_f32");
        _fillF32 = el.Kernel("fill_f32");
        _toBf16 = el.Kernel("f32_to_bf16");
        _qkvPrep = at.Kernel("qkv_prep_" + _suffix);
        _attentionModule = at;
        _attentionCombine = at.Kernel("attention_combine_" + _suffix);
        _routerTopK = moe.Kernel("router_topk");
        _routerFused = moe.Kernel("router_norm_fused_" + _suffix);
        _moeCombine = moe.Kernel("moe_combine_" + _suffix);
        _gatherRows = moe.Kernel("gather_rows_" + _suffix);
        _gemv = gv.Kernel("gemv_" + _suffix);
        _gemvF32 = gv.Kernel("gemv_f32");
        _gemvGateUp = gv.Kernel("gemv_gateup_" + _suffix);
        _moeGateUp = gv.Kernel("moe_gateup_" + _suffix);
        _moeDown = gv.Kernel("moe_down_" + _suffix);
        _moeGateUpTable = gv.Kernel("moe_gateup_table_" + _suffix);
        _moeDownTable = gv.Kernel("moe_down_table_" + _suffix);
        _gemvQkvRope = gv.Kernel("gemv_qkv_rope_" + _suffix);
        FuseQkvRope = Environment.GetEnvironmentVariable("DISTINFER_CUDA_FUSE_QKV") != "0";
        BatchInvariant = InvariantByDefault;
        SplitAttentionMinLen = int.TryParse(Environment.GetEnvironmentVariable("DISTINFER_CUDA_ATTN_SPLIT_LEN"), System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture, out int len) ? len : 1024;
        if (TensorCoresAvailable)
        {
            EnsureTensorCoreKernels();
        }

        DecodeAttentionHeads = int.TryParse(Environment.GetEnvironmentVariable("DISTINFER_CUDA_ATTN_G"), System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture, out int g) ? g : 0;
    }

    /// <summary>
    /// Query heads per block in decode attention (1, 2, 4 or 8; 0 picks the largest that divides the group). An
    /// experiment switch, DISTINFER_CUDA_ATTN_G: fewer heads per block give more blocks for one decode token.
    /// </summary>
    public int DecodeAttentionHeads { get; set; }

    /// <summary>Decode q/k/v projection, RoPE and cache write in one kernel where the model has no q/k norm.</summary>
    public bool FuseQkvRope { get; set; }

    /// <summary>
    /// Cache length (MaxSeqLen) from which decode attention splits the keys over several blocks merged by a second
    /// kernel. Below it one block per (token, kv head) with up to 16 warps covers 512 keys per pass, and the merge
    /// launch costs more than the split saves (21 µs per batch-1 step of the benchmark model on an H100).
    /// </summary>
    public int SplitAttentionMinLen { get; set; }

    public CudaDevice Device { get; }

    public CudaStream Stream { get; }

    public CublasHandle Blas { get; }

    public bool Bf16 { get; }

    /// <summary>Bytes per GEMM-input element.</summary>
    public int ActSize => Bf16 ? 2 : 4;

    /// <summary>Products with at most this many rows go through the skinny kernel instead of cuBLAS.</summary>
    public int GemvMaxTokens { get; set; } = 8;

    /// <summary>Environment switch for <see cref="BatchInvariant"/> (1/true/on or 0/false/off, as the CPU kernels' switch).</summary>
    public const string BatchInvariantVariable = "DISTINFER_CUDA_BATCH_INVARIANT";

    /// <summary>DISTINFER_CUDA_BATCH_INVARIANT as set: true, false, or null when unset; an error naming it when not a switch.</summary>
    public static bool? InvariantSetting => Kernels.Gemm.Switch(BatchInvariantVariable, Environment.GetEnvironmentVariable(BatchInvariantVariable));

    /// <summary>
    /// What new instances start with: off unless DISTINFER_CUDA_BATCH_INVARIANT turns it on. The whole-model engine
    /// keeps this; the fabric's stages and expert grains default to on (<see cref="FabricInvariantByDefault"/>).
    /// </summary>
    public static bool InvariantByDefault => InvariantSetting ?? false;

    /// <summary>
    /// The default of the fabric's GPU stages and expert grains: on unless DISTINFER_CUDA_BATCH_INVARIANT=0, since a
    /// failover's re-prefill must continue greedy output unchanged, as on the CPU.
    /// </summary>
    public static bool FabricInvariantByDefault => InvariantSetting ?? true;

    /// <summary>
    /// Each token's results do not depend on how many tokens share the step, bit for bit, so a re-prefill after a
    /// failover rebuilds the KV cache the decode steps wrote and greedy output goes on unchanged. Every token count
    /// takes the kernels decode takes: the tensor-core products with a K order fixed by the shape (bf16; the skinny
    /// products for fp32) instead of cuBLAS (whose algorithm depends on the shape), the unfused router, one-block-per-row
    /// kernels at the decode block size, and attention on tensor cores for decode and prefill alike (the FMA kernel
    /// without key splits where the shape does not allow it). On an H100 (640 M model) prefill 16x512 runs at about
    /// 325k tok/s against 590k with the mode off, batch-1 decode 2 % slower, batch 8-32 as fast or faster. Fabric stages
    /// and expert grains default to it (<see cref="FabricInvariantByDefault"/>).
    /// </summary>
    public bool BatchInvariant { get; set; }

    /// <summary>Whether products of <paramref name="tokens"/> rows take the skinny kernels (always when batch-invariant).</summary>
    private bool Skinny(int tokens) => tokens <= GemvMaxTokens || BatchInvariant;

    /// <summary>Warps per attention block in batch-invariant mode (one fixed split of the keys over warps).</summary>
    public const int InvariantAttentionWarps = 8;

    public void Embed(nint ids, nint table, nint h, int tokens, int hidden) =>
        _embed.Launch(Stream, tokens, 256, 0, _args.Reset().Ptr(ids).Ptr(table).Ptr(h).Int(tokens).Int(hidden));

    /// <summary>rows of x (stride xStride elements) -> y [rows, hidden] in the act type, and in fp32 to yf when given.</summary>
    public void RmsNorm(nint x, nint weight, nint y, int rows, int hidden, float eps, long xStride, nint yf = 0) =>
        _rmsnorm.Launch(Stream, rows, RowBlock(_rmsnorm, rows, hidden), 0, _args.Reset().Ptr(x).Ptr(weight).Ptr(y).Ptr(yf).Int(hidden).Float(eps).Long(xStride));

    /// <summary>
    /// Threads for a one-block-per-row kernel: a thread per element when there are few rows (decode), so the row
    /// is read in one round of memory latency; 256 when there are many.
    /// </summary>
    private int RowBlock(CudaKernel kernel, int rows, int width) =>
        rows <= 64 || BatchInvariant ? Math.Min(Math.Clamp((width + 31) / 32 * 32, 256, 1024), kernel.MaxThreadsPerBlock / 32 * 32) : 256;

    public void SiluMul(nint gateUp, nint act, long rows, int ffn)
    {
        long n = rows * ffn;
        int blocks = (int)Math.Clamp((n + 255) / 256, 1, 65536);
        _siluMul.Launch(Stream, blocks, 256, 0, _args.Reset().Ptr(gateUp).Ptr(act).Long(rows).Int(ffn));
    }

    /// <summary>y[T, N] (ldy) (+)= x[T, K] (ldx) · W[N, K]^T.</summary>
    public void Linear(nint w, nint x, int ldx, nint y, int ldy, int tokens, int n, int k, bool accumulate)
    {
        if (tokens == 0)
        {
            return;
        }

        if (UseTensorCores(tokens, k, ldx))
        {
            TensorCoreProduct(false, w, 0, 0, x, ldx, 0, y, ldy, accumulate, 0, 0, 0, 0, 1, tokens, n, k);
            return;
        }

        int epv = 16 / ActSize;
        if (Skinny(tokens) && k % epv == 0 && ldx % epv == 0)
        {
            _gemv.Launch(Stream, ((n + 7) / 8, (tokens + 7) / 8, 1), 256, 0,
                _args.Reset().Ptr(w).Ptr(x).Long(ldx).Ptr(y).Long(ldy).Int(tokens).Int(n).Int(k).Int(accumulate ? 1 : 0));
        }
        else
        {
            Blas.Linear(Bf16, tokens, n, k, x, ldx, w, k, y, ldy, accumulate);
        }
    }

    /// <summary>
    /// SwiGLU front half: act[T, F] = silu(x·Wg^T) * (x·Wu^T) with gate and up stacked in W [2F, K]. Skinny kernel for
    /// few tokens, else one cuBLAS GEMM into <paramref name="gateUpScratch"/> [T, 2F] fp32 and the SiLU·mul kernel.
    /// </summary>
    public void GateUpSilu(nint w, nint x, int ldx, nint act, int tokens, int ffn, int k, nint gateUpScratch)
    {
        if (UseTensorCores(tokens, k, ldx))
        {
            if (tokens > 0)
            {
                TensorCoreProduct(true, w, 0, 0, x, ldx, 0, 0, 0, false, act, 0, 0, 0, 1, tokens, ffn, k);
            }

            return;
        }

        int epv = 16 / ActSize;
        if (Skinny(tokens) && k % epv == 0 && ldx % epv == 0)
        {
            _gemvGateUp.Launch(Stream, ((ffn + 7) / 8, (tokens + 7) / 8, 1), 256, 0,
                _args.Reset().Ptr(w).Ptr(x).Long(ldx).Ptr(act).Int(tokens).Int(ffn).Int(k));
        }
        else
        {
            Blas.Linear(Bf16, tokens, 2 * ffn, k, x, ldx, w, k, gateUpScratch, 2 * ffn, false);
            SiluMul(gateUpScratch, act, tokens, ffn);
        }
    }

    /// <summary>
    /// Every expert's gate/up + SiLU at once on its rows (token rows of x read through permToken); experts without
    /// tokens read no weights. W is [E, 2F, K]; act is [rows, F] in gathered order.
    /// </summary>
    /// <param name="slots">min(experts, routed rows): the most experts that can have tokens.</param>
    /// <param name="rows">Routed rows in all (sizes the tensor-core launch in batch-invariant mode).</param>
    public void MoeGateUp(nint w, nint x, nint permToken, nint act, nint counts, nint offsets, nint active, int slots, int ffn, int k, int rows)
    {
        if (UseTensorCores(rows, k, k))
        {
            TensorCoreProduct(true, w, 0, 2L * ffn * k, x, k, permToken, 0, 0, false, act, counts, offsets, active, slots, rows, ffn, k);
            return;
        }

        _moeGateUp.Launch(Stream, ((ffn + 7) / 8, slots, 1), 256, 0,
            _args.Reset().Ptr(w).Ptr(x).Ptr(permToken).Ptr(act).Ptr(counts).Ptr(offsets).Ptr(active).Int(ffn).Int(k));
    }

    /// <summary>Every expert's down projection on its gathered rows. W is [E, N, K].</summary>
    public void MoeDown(nint w, nint act, nint yg, nint counts, nint offsets, nint active, int slots, int n, int k, int rows)
    {
        if (UseTensorCores(rows, k, k))
        {
            TensorCoreProduct(false, w, 0, (long)n * k, act, k, 0, yg, n, false, 0, counts, offsets, active, slots, rows, n, k);
            return;
        }

        _moeDown.Launch(Stream, ((n + 7) / 8, slots, 1), 256, 0,
            _args.Reset().Ptr(w).Ptr(act).Ptr(yg).Ptr(counts).Ptr(offsets).Ptr(active).Int(n).Int(k));
    }

    /// <summary><see cref="MoeGateUp"/> with expert e's [2F, K] matrix at table[e] (a device array of pointers).</summary>
    public void MoeGateUpTable(nint table, nint x, nint permToken, nint act, nint counts, nint offsets, nint active, int slots, int ffn, int k, int rows)
    {
        if (UseTensorCores(rows, k, k))
        {
            TensorCoreProduct(true, 0, table, 0, x, k, permToken, 0, 0, false, act, counts, offsets, active, slots, rows, ffn, k);
            return;
        }

        _moeGateUpTable.Launch(Stream, ((ffn + 7) / 8, slots, 1), 256, 0,
            _args.Reset().Ptr(table).Ptr(x).Ptr(permToken).Ptr(act).Ptr(counts).Ptr(offsets).Ptr(active).Int(ffn).Int(k));
    }

    /// <summary><see cref="MoeDown"/> with expert e's [N, K] matrix at table[e].</summary>
    public void MoeDownTable(nint table, nint act, nint yg, nint counts, nint offsets, nint active, int slots, int n, int k, int rows)
    {
        if (UseTensorCores(rows, k, k))
        {
            TensorCoreProduct(false, 0, table, 0, act, k, 0, yg, n, false, 0, counts, offsets, active, slots, rows, n, k);
            return;
        }

        _moeDownTable.Launch(Stream, ((n + 7) / 8, slots, 1), 256, 0,
            _args.Reset().Ptr(table).Ptr(act).Ptr(yg).Ptr(counts).Ptr(offsets).Ptr(active).Int(n).Int(k));
    }

    public bool SkinnySupported(int k) => k % (16 / ActSize) == 0;

    public void QkvPrep(nint qkv, nint bias, nint qNorm, nint kNorm, nint cos, nint sin, nint slots, nint positions,
        nint q, nint kCache, nint vCache, int tokens, int heads, int kvHeads, int headDim, int maxLen, float eps, float clip, int flags)
    {
        int width = (heads + 2 * kvHeads) * headDim;
        _qkvPrep.Launch(Stream, tokens, RowBlock(_qkvPrep, tokens, width), width * 4, _args.Reset().Ptr(qkv).Ptr(bias).Ptr(qNorm).Ptr(kNorm).Ptr(cos).Ptr(sin)
            .Ptr(slots).Ptr(positions).Ptr(q).Ptr(kCache).Ptr(vCache).Int(heads).Int(kvHeads).Int(headDim).Int(maxLen)
            .Float(eps).Float(clip).Int(flags));
    }

    /// <summary>Whether <see cref="GemvQkvRope"/> serves this step (few tokens, no q/k norm: flags 2 and 4 unset).</summary>
    public bool QkvRopeSupported(int tokens, int k, int headDim, int flags) =>
        FuseQkvRope && Skinny(tokens) && k % (16 / ActSize) == 0 && headDim % 2 == 0 && (flags & 6) == 0 && !UseTensorCores(tokens, k, k);

    /// <summary>
    /// q/k/v = x · Wqkv^T (+ bias, clip), RoPE on q and k, k and v into the cache, q to <paramref name="q"/> (fp32):
    /// the skinny GEMV and qkv_prep in one launch.
    /// </summary>
    public void GemvQkvRope(nint w, nint x, int ldx, int k, nint bias, nint cos, nint sin, nint slots, nint positions, nint q,
        nint kCache, nint vCache, int tokens, int heads, int kvHeads, int headDim, int maxLen, float clip, int flags)
    {
        int units = (heads + kvHeads) * (headDim / 2) + kvHeads * headDim;
        _gemvQkvRope.Launch(Stream, ((units + 7) / 8, (tokens + 7) / 8, 1), 256, 0,
            _args.Reset().Ptr(w).Ptr(x).Long(ldx).Int(k).Ptr(bias).Ptr(cos).Ptr(sin).Ptr(slots).Ptr(positions).Ptr(q)
                .Ptr(kCache).Ptr(vCache).Int(tokens).Int(heads).Int(kvHeads).Int(headDim).Int(maxLen).Float(clip).Int(flags));
    }

    /// <summary>Most key shares per query in split-K decode attention (sizes the partials buffer).</summary>
    public const int MaxAttentionSplits = 16;

    /// <summary>Queries up to which decode attention splits the keys over several blocks.</summary>
    public const int SplitAttentionMaxTokens = 64;

    /// <summary>
    /// Causal GQA attention of each query token over its sequence's cache. For few queries (decode) the keys are
    /// split over several blocks whose partial softmax sums are merged by a second kernel; <paramref name="partials"/>
    /// holds [min(tokens, 64), heads, 16, headDim + 2] floats (0 disables splitting). In batch-invariant bf16 mode the
    /// tensor-core kernel takes decode and prefill alike (<see cref="UseAttentionMma"/>); <paramref name="queryRun"/>,
    /// the step's tokens per sequence (<see cref="MeanQueryRun"/>), lets it put several tokens of one sequence in a block, and
    /// sends prefill-shaped steps to it outside that mode; <paramref name="blockTable"/> (<see cref="AttentionBlocks"/>,
    /// <paramref name="tableBlocks"/> of them, 0 for none) gives such a step blocks that never mix sequences.
    /// </summary>
    public void Attention(nint q, nint kCache, nint vCache, nint output, nint slots, nint positions, int tokens, int heads,
        int kvHeads, int headDim, int maxLen, nint partials = 0, int queryRun = 1, nint blockTable = 0, int tableBlocks = 0)
    {
        if (headDim % 8 != 0 || headDim > 256 || heads % kvHeads != 0)
        {
            throw new DistInferException($"GPU attention needs head_dim a multiple of 8 up to 256 and heads divisible by kv heads (got {headDim}, {heads}/{kvHeads})");
        }

        LastAttentionMmaTokens = 0;
        if (UseAttentionMma(headDim, queryRun))
        {
            AttentionOnTensorCores(q, kCache, vCache, output, slots, positions, tokens, heads, kvHeads, headDim, maxLen, queryRun, blockTable, tableBlocks);
            return;
        }

        int group = heads / kvHeads;
        int g = group % 8 == 0 ? 8 : group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
        if (!BatchInvariant && tokens <= SplitAttentionMaxTokens && DecodeAttentionHeads is 1 or 2 or 4 or 8 && group % DecodeAttentionHeads == 0)
        {
            g = DecodeAttentionHeads;
        }
        int npl = headDim <= 32 ? 1 : headDim <= 64 ? 2 : headDim <= 128 ? 4 : 8;
        if (!_attention.TryGetValue((g, npl), out var kernel))
        {
            kernel = _attentionModule.Kernel($"attention_g{g}_n{npl}_{_suffix}");
            _attention[(g, npl)] = kernel;
        }

        // Few query blocks (decode): more warps per block so each walks fewer key tiles; many (prefill): 4 warps.
        int blocks = tokens * kvHeads * (group / g);
        int splits = !BatchInvariant && partials != 0 && maxLen >= SplitAttentionMinLen && tokens <= SplitAttentionMaxTokens ? Math.Clamp(264 / Math.Max(blocks, 1), 1, MaxAttentionSplits) : 1;
        int warps = BatchInvariant ? InvariantAttentionWarps : splits > 1 ? 4 : Math.Clamp(4096 / Math.Max(blocks, 1), 4, 16);
        warps = Math.Min(warps, kernel.MaxThreadsPerBlock / 32);
        warps = warps >= 16 ? 16 : warps >= 8 ? 8 : 4;
        int shared = AttentionShared(warps, g, headDim);
        while (warps > 1 && shared > 96 * 1024)
        {
            warps /= 2;
            shared = AttentionShared(warps, g, headDim);
        }

        float scale = 1f / MathF.Sqrt(headDim);
        kernel.Launch(Stream, (tokens, kvHeads * (group / g), splits), warps * 32, shared,
            _args.Reset().Ptr(q).Ptr(kCache).Ptr(vCache).Ptr(output).Ptr(slots).Ptr(positions).Int(heads).Int(kvHeads)
                .Int(headDim).Int(maxLen).Float(scale).Ptr(partials));
        if (splits > 1)
        {
            _attentionCombine.Launch(Stream, (tokens, heads, 1), Math.Min(256, (headDim + 31) / 32 * 32), 0,
                _args.Reset().Ptr(partials).Ptr(output).Int(heads).Int(headDim).Int(splits));
        }
    }

    private static int AttentionShared(int warps, int g, int headDim) =>
        (g * headDim + warps * g * 32 + 2 * warps * g + warps * g * headDim) * 4;

    public void RouterTopK(nint logits, int ld, int tokens, int experts, int topK, bool renormalize, nint topkIds, nint topkWeights,
        nint counts, nint offsets, nint permToken, nint inverse, nint active) =>
        _routerTopK.Launch(Stream, 1, 1024, 0, _args.Reset().Ptr(logits).Int(ld).Int(tokens).Int(experts).Int(topK)
            .Int(renormalize ? 1 : 0).Ptr(topkIds).Ptr(topkWeights).Ptr(counts).Ptr(offsets).Ptr(permToken).Ptr(inverse).Ptr(active));

    /// <summary>
    /// One single-block launch for few tokens: xn = RMSNorm(h) in the act type and xnf in fp32, router logits
    /// xnf · W^T with the fp32 router W [rows, hidden] (hidden a multiple of 4), then the routing of RouterTopK.
    /// </summary>
    public void RouterNormFused(nint h, nint normWeight, float eps, nint xn, nint xnf, nint w, nint logits, int tokens, int rows, int hidden,
        int experts, int topK, bool renormalize, nint topkIds, nint topkWeights, nint counts, nint offsets, nint permToken, nint inverse,
        nint active) =>
        _routerFused.Launch(Stream, 1, 1024, 0, _args.Reset().Ptr(h).Ptr(normWeight).Float(eps).Ptr(xn).Ptr(xnf).Ptr(w).Ptr(logits)
            .Int(tokens).Int(rows).Int(hidden).Int(experts).Int(topK).Int(renormalize ? 1 : 0).Ptr(topkIds).Ptr(topkWeights).Ptr(counts)
            .Ptr(offsets).Ptr(permToken).Ptr(inverse).Ptr(active));

    /// <summary>
    /// Router logits [tokens, rows] = xnf · W^T, all fp32: the skinny kernel in batch-invariant mode (hidden a multiple
    /// of 4), else cuBLAS.
    /// </summary>
    public void RouterLogits(nint xnf, nint w, nint logits, int tokens, int rows, int hidden)
    {
        if (BatchInvariant && hidden % 4 == 0)
        {
            _gemvF32.Launch(Stream, ((rows + 7) / 8, (tokens + 7) / 8, 1), 256, 0,
                _args.Reset().Ptr(w).Ptr(xnf).Long(hidden).Ptr(logits).Long(rows).Int(tokens).Int(rows).Int(hidden).Int(0));
        }
        else
        {
            Blas.Linear(false, tokens, rows, hidden, xnf, hidden, w, hidden, logits, rows, false, "cublasGemmEx fp32 router");
        }
    }

    /// <summary>Whether the single-block fused router serves <paramref name="tokens"/> (never in batch-invariant mode).</summary>
    public bool RouterFusedSupported(int tokens, int hidden) => !BatchInvariant && tokens <= 32 && hidden % 4 == 0;

    /// <summary>Whether the grouped skinny expert kernels serve <paramref name="rows"/> routed rows.</summary>
    public bool SkinnyMoeSupported(int rows, int maxRows, int hidden, int ffn) =>
        (rows <= maxRows || BatchInvariant) && SkinnySupported(hidden) && SkinnySupported(ffn);

    public void GatherRows(nint x, nint xg, nint permToken, int rows, int hidden) =>
        _gatherRows.Launch(Stream, rows, 128, 0, _args.Reset().Ptr(x).Ptr(xg).Ptr(permToken).Int(hidden));

    /// <summary>
    /// h += routed expert outputs (+ gated shared expert); when <paramref name="normWeight"/> is set, also writes the
    /// next RMSNorm of the new h into <paramref name="normOut"/>.
    /// </summary>
    public void MoeCombine(nint h, nint yg, nint inverse, nint topkWeights, int tokens, int topK, int hidden, nint shared,
        nint gateLogits, int gateLd, int gateCol, nint normWeight, nint normOut, float eps) =>
        _moeCombine.Launch(Stream, tokens, RowBlock(_moeCombine, tokens, hidden), hidden * 4, _args.Reset().Ptr(h).Ptr(yg).Ptr(inverse).Ptr(topkWeights).Int(topK).Int(hidden)
            .Ptr(shared).Ptr(gateLogits).Int(gateLd).Int(gateCol).Ptr(normWeight).Ptr(normOut).Float(eps));

    public void ArgmaxAdvance(nint logits, long rowStride, int rows, int vocab, nint nextTokens, nint positions, nint history, int historyStride) =>
        _argmax.Launch(Stream, rows, 1024, 0, _args.Reset().Ptr(logits).Long(rowStride).Int(vocab).Ptr(nextTokens).Ptr(positions)
            .Ptr(history).Int(historyStride));

    public void FillRandomBf16(nint p, long count, ulong seed, float scale) =>
        _fillRandom.Launch(Stream, (int)Math.Clamp((count + 255) / 256, 1, 65536), 256, 0, _args.Reset().Ptr(p).Long(count).ULong(seed).Float(scale));

    public void FillRandomF32(nint p, long count, ulong seed, float scale) =>
        _fillRandomF32.Launch(Stream, (int)Math.Clamp((count + 255) / 256, 1, 65536), 256, 0, _args.Reset().Ptr(p).Long(count).ULong(seed).Float(scale));

    public void FillF32(nint p, long count, float value) =>
        _fillF32.Launch(Stream, (int)Math.Clamp((count + 255) / 256, 1, 65536), 256, 0, _args.Reset().Ptr(p).Long(count).Float(value));

    public void ToBf16(nint source, nint destination, long count) =>
        _toBf16.Launch(Stream, (int)Math.Clamp((count + 255) / 256, 1, 65536), 256, 0, _args.Reset().Ptr(source).Ptr(destination).Long(count));

    public void Dispose()
    {
        Blas.Dispose();
        _args.Dispose();
    }
}
