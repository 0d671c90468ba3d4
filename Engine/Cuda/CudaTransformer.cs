using DistInfer.Engine.Checkpoints;

using DistInfer.Engine.Config;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// The decoder forward on one GPU, the same math as the CPU engine: RMSNorm in fp32, rotate-half RoPE, causal GQA
/// over a device KV cache, router softmax in fp32 then top-k (renormalised per config), SwiGLU experts grouped by
/// expert, Qwen2-MoE shared expert. Weights stay on the device; a decode step runs without host round trips and
/// is replayed as a CUDA graph.
/// </summary>
public sealed partial class CudaTransformer : IDisposable
{
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly CudaOps _ops;
    private readonly CudaWeights _weights;
    private readonly CudaWorkspace _ws;
    private readonly CudaTransformerOptions _options;
    private readonly Dictionary<int, CudaGraph> _graphs = [];
    private readonly int[] _hostCounts;
    private readonly int[] _hostOffsets;

    // The uploaded prompt step's attention layout (CudaOps.PlanAttention: tokens per sequence, blocks in
    // _ws.AttentionBlocks) and host scratch for it; decode steps pass 1 and no blocks.
    private int _promptRun = 1;
    private int _promptBlocks;
    private int[] _blockScratch = [];

    private CudaTransformer(CudaDevice device, CudaStream stream, CudaOps ops, CudaWeights weights, CudaTransformerOptions options)
    {
        _device = device;
        _stream = stream;
        _ops = ops;
        _weights = weights;
        _options = options;
        Spec = weights.Spec;
        _ws = new CudaWorkspace(device, Spec, options.Bf16, options.MaxTokens, options.MaxBatch, options.MaxSeqLen, Math.Max(options.MaxLogitRows, options.MaxBatch));
        UseCudaGraphs = options.UseCudaGraphs;
        _hostCounts = new int[Spec.Experts + 1];
        _hostOffsets = new int[Spec.Experts + 1];
    }

    public CudaModelSpec Spec { get; }

    /// <summary>Replay decode steps as CUDA graphs (from the options; switch off to time kernels one by one).</summary>
    public bool UseCudaGraphs { get; set; }

    public long WeightBytes => _weights.Bytes;

    public long WorkspaceBytes => _ws.Bytes;

    public CudaStream Stream => _stream;

    internal CudaOps Ops => _ops;

    public static CudaTransformer Load(CudaDevice device, CudaModelSpec spec, ITensorSource source, CudaTransformerOptions options)
    {
        device.MakeCurrent();
        var stream = device.CreateStream();
        var ops = new CudaOps(device, stream, options.Bf16);
        var weights = CudaWeights.Load(device, ops, spec, source);
        return new CudaTransformer(device, stream, ops, weights, options);
    }

    public static CudaTransformer CreateRandom(CudaDevice device, CudaModelSpec spec, ulong seed, CudaTransformerOptions options)
    {
        device.MakeCurrent();
        var stream = device.CreateStream();
        var ops = new CudaOps(device, stream, bf16: true);
        var weights = CudaWeights.CreateRandom(device, ops, spec, seed);
        return new CudaTransformer(device, stream, ops, weights, options with { Bf16 = true });
    }

    /// <summary>
    /// Full forward of <paramref name="batch"/> sequences of <paramref name="seqLen"/> tokens from position 0:
    /// logits [batch, seqLen, vocab]; router logits [batch*seqLen, experts] per MoE layer when a list is given.
    /// </summary>
    public float[] Forward(ReadOnlySpan<int> ids, int batch, int seqLen, IList<float[]>? routerLogits = null)
    {
        int t = batch * seqLen;
        Require(t <= _options.MaxTokens && t <= _ws.MaxLogitRows, $"{t} tokens exceed MaxTokens/MaxLogitRows");
        UploadPrompt(ids, batch, seqLen);
        if (!RunLayers(t, _ws.Tokens, _ws.Positions, _ws.Slots, routerLogits, _promptRun, _promptBlocks))
        {
            _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, t, Spec.Hidden, Spec.RmsNormEps, Spec.Hidden);
        }

        _ops.Linear(_weights.LmHead, _ws.Xn, Spec.Hidden, _ws.Logits, Spec.Vocab, t, Spec.Vocab, Spec.Hidden, false);
        var logits = new float[(long)t * Spec.Vocab];
        _stream.Download<float>(_ws.Logits, logits);
        return logits;
    }

    /// <summary>Greedy continuation: [batch, newTokens] ids after prompts of equal length (no EOS stop).</summary>
    public int[] GenerateGreedy(ReadOnlySpan<int> prompt, int batch, int promptLen, int newTokens)
    {
        var rows = GenerateGreedy(Split(prompt, batch, promptLen), newTokens);
        var result = new int[batch * newTokens];
        for (int b = 0; b < batch; b++)
        {
            rows[b].CopyTo(result, b * newTokens);
        }

        return result;
    }

    /// <summary>Greedy continuation of prompts of any lengths: newTokens ids per prompt (no EOS stop).</summary>
    public int[][] GenerateGreedy(IReadOnlyList<int[]> prompts, int newTokens)
    {
        Require(newTokens >= 1, "newTokens must be at least 1");
        Prefill(prompts);
        for (int i = 1; i < newTokens; i++)
        {
            DecodeStep(prompts.Count);
        }

        return ReadGenerated(prompts.Select(p => p.Length).ToArray(), newTokens);
    }

    /// <summary>Runs equal-length prompts and picks each sequence's first new token on the device.</summary>
    public void Prefill(ReadOnlySpan<int> prompt, int batch, int promptLen) => Prefill(Split(prompt, batch, promptLen));

    /// <summary>
    /// Runs the prompts (slot b = prompt b, positions from 0) and picks each sequence's first new token on the device;
    /// nothing is read back.
    /// </summary>
    public void Prefill(IReadOnlyList<int[]> prompts)
    {
        int batch = prompts.Count, t = prompts.Sum(p => p.Length);
        Require(batch >= 1 && batch <= _options.MaxBatch && t <= _options.MaxTokens, $"prefill of {batch} prompts, {t} tokens exceeds MaxBatch/MaxTokens");
        var ids = new int[t];
        var pos = new int[t];
        var slots = new int[t];
        var last = new int[batch];
        var decodePos = new int[batch];
        var decodeSlots = new int[batch];
        int row = 0;
        for (int b = 0; b < batch; b++)
        {
            var p = prompts[b];
            Require(p.Length >= 1 && p.Length < _options.MaxSeqLen, $"prompt {b} has {p.Length} tokens (1 to {_options.MaxSeqLen - 1})");
            for (int i = 0; i < p.Length; i++, row++)
            {
                ids[row] = p[i];
                pos[row] = i;
                slots[row] = b;
            }

            last[b] = row - 1;
            decodePos[b] = p.Length - 1;
            decodeSlots[b] = b;
        }

        UploadTokens(ids, pos, slots);
        // Final norm, then lm_head on each sequence's last row only.
        if (!RunLayers(t, _ws.Tokens, _ws.Positions, _ws.Slots, null, _promptRun, _promptBlocks))
        {
            _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, t, Spec.Hidden, Spec.RmsNormEps, Spec.Hidden);
        }

        _stream.Upload<int>(last, _ws.LastRows);
        _ops.GatherRows(_ws.Xn, _ws.LastHidden, _ws.LastRows, batch, Spec.Hidden);
        _ops.Linear(_weights.LmHead, _ws.LastHidden, Spec.Hidden, _ws.Logits, Spec.Vocab, batch, Spec.Vocab, Spec.Hidden, false);
        _stream.Upload<int>(decodePos, _ws.DecodePositions);
        _stream.Upload<int>(decodeSlots, _ws.DecodeSlots);
        _ops.ArgmaxAdvance(_ws.Logits, Spec.Vocab, batch, Spec.Vocab, _ws.DecodeTokens, _ws.DecodePositions, _ws.History, _ws.MaxSeqLen);
    }

    /// <summary>One token for each of the first <paramref name="batch"/> sequences, fed back on the device.</summary>
    public void DecodeStep(int batch)
    {
        if (UseCudaGraphs && batch * Spec.TopK <= _options.SkinnyMoeMaxRows && CudaProfiler.Current is null)
        {
            if (!_graphs.TryGetValue(batch, out var graph))
            {
                _stream.BeginCapture();
                DecodeKernels(batch);
                graph = _stream.EndCapture();
                _graphs[batch] = graph;
            }

            graph.Launch(_stream);
        }
        else
        {
            DecodeKernels(batch);
        }
    }

    /// <summary>The ids generated after each prompt, [batch][newTokens].</summary>
    public int[][] ReadGenerated(IReadOnlyList<int> promptLengths, int newTokens)
    {
        var all = new int[promptLengths.Count * _ws.MaxSeqLen];
        _stream.Download<int>(_ws.History, all);
        var result = new int[promptLengths.Count][];
        for (int b = 0; b < result.Length; b++)
        {
            result[b] = all.AsSpan(b * _ws.MaxSeqLen + promptLengths[b], newTokens).ToArray();
        }

        return result;
    }

    public void Synchronize() => _stream.Synchronize();

    public void Dispose()
    {
        foreach (var g in _graphs.Values)
        {
            g.Dispose();
        }

        _ws.Dispose();
        _weights.Dispose();
        _ops.Dispose();
        _stream.Dispose();
    }

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new DistInferException(message);
        }
    }

    private void DecodeKernels(int batch)
    {
        Require(batch <= _options.MaxBatch, $"batch {batch} exceeds MaxBatch");
        if (!RunLayers(batch, _ws.DecodeTokens, _ws.DecodePositions, _ws.DecodeSlots, null, 1, 0))
        {
            _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, batch, Spec.Hidden, Spec.RmsNormEps, Spec.Hidden);
        }

        _ops.Linear(_weights.LmHead, _ws.Xn, Spec.Hidden, _ws.Logits, Spec.Vocab, batch, Spec.Vocab, Spec.Hidden, false);
        _ops.ArgmaxAdvance(_ws.Logits, Spec.Vocab, batch, Spec.Vocab, _ws.DecodeTokens, _ws.DecodePositions, _ws.History, _ws.MaxSeqLen);
    }

    private static int[][] Split(ReadOnlySpan<int> ids, int batch, int seqLen)
    {
        Require(batch >= 1 && ids.Length == batch * seqLen, $"{ids.Length} ids for {batch}×{seqLen}");
        var rows = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            rows[b] = ids.Slice(b * seqLen, seqLen).ToArray();
        }

        return rows;
    }

    private void UploadPrompt(ReadOnlySpan<int> ids, int batch, int seqLen)
    {
        int t = batch * seqLen;
        Require(ids.Length == t, $"{ids.Length} ids for {batch}×{seqLen}");
        Require(seqLen <= _options.MaxSeqLen && batch <= _options.MaxBatch, $"{batch}×{seqLen} exceeds MaxBatch/MaxSeqLen");
        var pos = new int[t];
        var slots = new int[t];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < seqLen; i++)
            {
                pos[b * seqLen + i] = i;
                slots[b * seqLen + i] = b;
            }
        }

        UploadTokens(ids, pos, slots);
    }

    private void UploadTokens(ReadOnlySpan<int> ids, int[] pos, int[] slots)
    {
        foreach (var id in ids)
        {
            Require(id >= 0 && id < Spec.Vocab, $"token id {id} outside the vocabulary of {Spec.Vocab}");
        }

        _device.MakeCurrent();
        _stream.Upload(ids, _ws.Tokens);
        _stream.Upload<int>(pos, _ws.Positions);
        _stream.Upload<int>(slots, _ws.Slots);
        if (_blockScratch.Length < 2 * slots.Length)
        {
            _blockScratch = new int[2 * slots.Length];
        }

        (_promptRun, _promptBlocks) = _ops.PlanAttention(slots, Spec.Heads, Spec.KvHeads, Spec.HeadDim, _blockScratch, _ws.AttentionBlocks);
    }

    /// <summary>All decoder layers; returns true when Xn already holds the final norm of every row.</summary>
    private bool RunLayers(int t, nint tokens, nint positions, nint slots, IList<float[]>? routerLogits, int queryRun, int blocks)
    {
        var s = Spec;
        int h = s.Hidden, hd = s.HeadDim, qw = s.Heads * hd;
        int flags = (_weights.Layers[0].QkvBias != 0 ? 1 : 0) | (s.QkNorm == QkNormKind.PerHead ? 2 : 0)
            | (s.QkNorm == QkNormKind.FullWidth ? 4 : 0) | (s.ClipQkv is not null ? 8 : 0);
        _ops.Embed(tokens, _weights.Embed, _ws.H, t, h);
        bool normed = false;
        for (int i = 0; i < s.Layers; i++)
        {
            var l = _weights.Layers[i];
            if (!normed)
            {
                _ops.RmsNorm(_ws.H, l.InputNorm, _ws.Xn, t, h, s.RmsNormEps, h);
            }

            int width = qw + 2 * s.KvHeads * hd;
            if (_ops.QkvRopeSupported(t, h, hd, flags))
            {
                _ops.GemvQkvRope(l.Qkv, _ws.Xn, h, h, l.QkvBias, _ws.RopeCos, _ws.RopeSin, slots, positions, _ws.Q, _ws.KCache[i],
                    _ws.VCache[i], t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, s.ClipQkv ?? 0f, flags);
            }
            else
            {
                _ops.Linear(l.Qkv, _ws.Xn, h, _ws.Qkv, width, t, width, h, false);
                _ops.QkvPrep(_ws.Qkv, l.QkvBias, l.QNorm, l.KNorm, _ws.RopeCos, _ws.RopeSin, slots, positions, _ws.Q,
                    _ws.KCache[i], _ws.VCache[i], t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, s.RmsNormEps, s.ClipQkv ?? 0f, flags);
            }

            _ops.Attention(_ws.Q, _ws.KCache[i], _ws.VCache[i], _ws.Attn, slots, positions, t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, _ws.AttentionPartials, queryRun,
                _ws.AttentionBlocks, blocks);
            _ops.Linear(l.O, _ws.Attn, qw, _ws.H, h, t, h, qw, true);
            normed = false;
            if (l.IsMoe)
            {
                // The fused router computes the post-attention norm itself; otherwise the norm also writes the
                // fp32 copy the router reads. The combine applies the next norm (next layer's input, or final).
                bool fusedRouter = FusedRouter(t, routerLogits);
                if (!fusedRouter)
                {
                    _ops.RmsNorm(_ws.H, l.PostNorm, _ws.Xn, t, h, s.RmsNormEps, h, _ws.XnF32);
                }

                Moe(l, t, routerLogits, i + 1 < s.Layers ? _weights.Layers[i + 1].InputNorm : _weights.FinalNorm, fusedRouter);
                normed = true;
            }
            else
            {
                _ops.RmsNorm(_ws.H, l.PostNorm, _ws.Xn, t, h, s.RmsNormEps, h);
                int f = s.Intermediate;
                _ops.GateUpSilu(l.DenseGateUp, _ws.Xn, h, _ws.FfnAct, t, f, h, _ws.GateUp);
                _ops.Linear(l.DenseDown, _ws.FfnAct, f, _ws.H, h, t, h, f, true);
            }
        }

        return normed;
    }
}
