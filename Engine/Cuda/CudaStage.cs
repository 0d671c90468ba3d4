using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// A pipeline stage's layers on one GPU: the attention (norm, q/k/v, RoPE, KV cache, output projection) and dense
/// MLPs of its layer range, its embedding and head when it has them, weights resident in bf16 (or fp32) and the KV
/// cache of up to <see cref="CudaStageOptions.MaxSequences"/> sequences on the device. A step runs layer by layer;
/// a MoE layer whose experts are on this device runs here (<see cref="Moe"/>); otherwise the caller moves the
/// hidden states to the host where the layer's tokens go to expert replicas elsewhere (<see cref="Download"/>,
/// then <see cref="Upload"/> of the combined result).
/// </summary>
public sealed partial class CudaStage : IDisposable
{
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly CudaOps _ops;
    private readonly CudaWeights _weights;
    private readonly CudaWorkspace _ws;
    private readonly ModelPart _part;
    private readonly Stack<int> _freeSlots = new();
    private readonly int _qkvFlags;
    private int _tokens;

    // Tokens per sequence in the step (CudaOps.MeanQueryRun): picks prefill attention's several-query blocks.
    private int _queryRun = 1;

    // Its tensor-core attention blocks in _ws.AttentionBlocks (0: none, the kernels' own layout); host scratch for them.
    private int _attentionBlocks;
    private readonly int[] _blockScratch;

    private CudaStage(CudaDevice device, CudaStream stream, CudaOps ops, CudaWeights weights, ModelPart part, CudaStageOptions options)
    {
        _device = device;
        _stream = stream;
        _ops = ops;
        _weights = weights;
        _part = part;
        Spec = weights.Spec;
        // The KV cache holds this stage's layers only (index layer - FirstLayer).
        var local = Spec with { Layers = Math.Max(1, part.EndLayer - part.FirstLayer), MoeLayerMask = null };
        _ws = new CudaWorkspace(device, local, ops.Bf16, options.MaxTokens, options.MaxSequences, options.MaxSeqLen, options.MaxSequences);
        _expertCounts = device.Allocate(Math.Max(1L, (long)local.Layers * Math.Max(1, Spec.Experts)) * 4);
        _hostCounts = new int[Math.Max(1, Spec.Experts)];
        _blockScratch = new int[2 * options.MaxTokens];
        _hostOffsets = new int[Math.Max(1, Spec.Experts)];
        for (int s = options.MaxSequences - 1; s >= 0; s--)
        {
            _freeSlots.Push(s);
        }

        var first = part.EndLayer > part.FirstLayer ? weights.Layers[part.FirstLayer] : null;
        UseCudaGraphs = options.CudaGraphs;
        _qkvFlags = (first is { QkvBias: not 0 } ? 1 : 0) | (Spec.QkNorm == QkNormKind.PerHead ? 2 : 0)
            | (Spec.QkNorm == QkNormKind.FullWidth ? 4 : 0) | (Spec.ClipQkv is not null ? 8 : 0);
    }

    public CudaModelSpec Spec { get; }

    public CudaDevice Device => _device;

    public int MaxTokens => _ws.MaxTokens;

    public int MaxSeqLen => _ws.MaxSeqLen;

    /// <summary>Device bytes held: weights, then activations and KV cache.</summary>
    public long WeightBytes => _weights.Bytes;

    public long WorkspaceBytes => _ws.Bytes;

    public int FreeSlots => _freeSlots.Count;

    /// <summary>Whether each token's results are independent of the step's other tokens (<see cref="CudaOps.BatchInvariant"/>).</summary>
    public bool BatchInvariant => _ops.BatchInvariant;

    /// <summary>Loads <paramref name="part"/> of a checkpoint (its expert filter decides whether experts come along).</summary>
    public static CudaStage Load(CudaDevice device, ModelConfig config, ITensorSource source, ModelPart part, CudaStageOptions options)
    {
        device.MakeCurrent();
        var spec = CudaModelSpec.FromModelConfig(config);
        var stream = device.CreateStream();
        var ops = new CudaOps(device, stream, options.Bf16) { BatchInvariant = options.BatchInvariant };
        CudaWeights? weights = null;
        try
        {
            weights = CudaWeights.Load(device, ops, spec, source, part, routers: options.DeviceMoe);
            return new CudaStage(device, stream, ops, weights, part, options);
        }
        catch
        {
            weights?.Dispose();
            ops.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A KV-cache slot for a new sequence.</summary>
    public int AcquireSlot() => _freeSlots.Count > 0 ? _freeSlots.Pop()
        : throw new DistInferException($"the GPU stage holds the KV caches of {_ws.MaxBatch} sequences, all in use (DISTINFER_CUDA_STAGE_SEQUENCES raises it)");

    public void ReleaseSlot(int slot) => _freeSlots.Push(slot);

    /// <summary>Starts a step: each token's cache slot and position (its place in the sequence).</summary>
    public void Begin(ReadOnlySpan<int> slots, ReadOnlySpan<int> positions)
    {
        int t = slots.Length;
        if (t == 0 || t > _ws.MaxTokens || positions.Length != t)
        {
            throw new DistInferException($"a GPU stage step takes 1 to {_ws.MaxTokens} tokens (got {t}; DISTINFER_CUDA_STAGE_TOKENS raises it)");
        }

        foreach (var p in positions)
        {
            if (p < 0 || p >= _ws.MaxSeqLen)
            {
                throw new DistInferException($"position {p} is outside the GPU stage's KV cache of {_ws.MaxSeqLen} positions (DISTINFER_CUDA_STAGE_SEQLEN raises it)");
            }
        }

        _device.MakeCurrent();
        _stream.Upload(slots, _ws.Slots);
        _stream.Upload(positions, _ws.Positions);
        _stream.Zero(_expertCounts.Pointer, _expertCounts.Bytes);
        _tokens = t;
        (_queryRun, _attentionBlocks) = _ops.PlanAttention(slots, Spec.Heads, Spec.KvHeads, Spec.HeadDim, _blockScratch, _ws.AttentionBlocks);
    }

    /// <summary>The step's hidden states = embedding rows of <paramref name="ids"/>.</summary>
    public void Embed(ReadOnlySpan<int> ids)
    {
        if (_weights.Embed == 0)
        {
            throw new InvalidOperationException("this GPU stage has no embedding");
        }

        foreach (var id in ids)
        {
            if ((uint)id >= (uint)Spec.Vocab)
            {
                throw new DistInferException($"token id {id} is outside the vocabulary [0, {Spec.Vocab})");
            }
        }

        RequireTokens(ids.Length, Spec.Hidden * ids.Length);
        _stream.Upload(ids, _ws.Tokens);
        _ops.Embed(_ws.Tokens, _weights.Embed, _ws.H, _tokens, Spec.Hidden);
    }

    /// <summary>Hidden states [tokens, hidden] from the host (the previous stage's output, or a MoE layer's result).</summary>
    public void Upload(ReadOnlySpan<float> hidden)
    {
        RequireTokens(hidden.Length / Spec.Hidden, hidden.Length);
        _device.MakeCurrent();
        _stream.Upload(hidden, _ws.H);
    }

    public void Download(Span<float> hidden)
    {
        RequireTokens(hidden.Length / Spec.Hidden, hidden.Length);
        _device.MakeCurrent();
        _stream.Download<float>(_ws.H, hidden);
    }

    /// <summary>hidden += attention(input_norm(hidden)); writes the step's keys and values into the cache.</summary>
    public void Attention(int layer)
    {
        var l = Layer(layer);
        var s = Spec;
        int t = _tokens, h = s.Hidden, hd = s.HeadDim, qw = s.Heads * hd, c = layer - _part.FirstLayer;
        // Grain turns resume on any thread; the runtime's current device is per thread.
        _device.MakeCurrent();
        _ops.RmsNorm(_ws.H, l.InputNorm, _ws.Xn, t, h, s.RmsNormEps, h);
        if (_ops.QkvRopeSupported(t, h, hd, _qkvFlags))
        {
            _ops.GemvQkvRope(l.Qkv, _ws.Xn, h, h, l.QkvBias, _ws.RopeCos, _ws.RopeSin, _ws.Slots, _ws.Positions, _ws.Q, _ws.KCache[c],
                _ws.VCache[c], t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, s.ClipQkv ?? 0f, _qkvFlags);
        }
        else
        {
            int width = qw + 2 * s.KvHeads * hd;
            _ops.Linear(l.Qkv, _ws.Xn, h, _ws.Qkv, width, t, width, h, false);
            _ops.QkvPrep(_ws.Qkv, l.QkvBias, l.QNorm, l.KNorm, _ws.RopeCos, _ws.RopeSin, _ws.Slots, _ws.Positions, _ws.Q,
                _ws.KCache[c], _ws.VCache[c], t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, s.RmsNormEps, s.ClipQkv ?? 0f, _qkvFlags);
        }

        _ops.Attention(_ws.Q, _ws.KCache[c], _ws.VCache[c], _ws.Attn, _ws.Slots, _ws.Positions, t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, _ws.AttentionPartials, _queryRun,
            _ws.AttentionBlocks, _attentionBlocks);
        _ops.Linear(l.O, _ws.Attn, qw, _ws.H, h, t, h, qw, true);
    }

    /// <summary>hidden += mlp(post_attention_norm(hidden)) for a dense layer.</summary>
    public void DenseMlp(int layer)
    {
        var l = Layer(layer);
        if (l.IsMoe)
        {
            throw new InvalidOperationException($"layer {layer} is a MoE layer");
        }

        int t = _tokens, h = Spec.Hidden, f = Spec.Intermediate;
        _device.MakeCurrent();
        _ops.RmsNorm(_ws.H, l.PostNorm, _ws.Xn, t, h, Spec.RmsNormEps, h);
        _ops.GateUpSilu(l.DenseGateUp, _ws.Xn, h, _ws.FfnAct, t, f, h, _ws.GateUp);
        _ops.Linear(l.DenseDown, _ws.FfnAct, f, _ws.H, h, t, h, f, true);
    }

    /// <summary>logits [rows, vocab] = lm_head(final_norm(hidden)) of the step rows <paramref name="rows"/>.</summary>
    public void Head(ReadOnlySpan<int> rows, Span<float> logits)
    {
        if (_weights.LmHead == 0)
        {
            throw new InvalidOperationException("this GPU stage has no head");
        }

        int n = rows.Length, h = Spec.Hidden, v = Spec.Vocab;
        if (n > _ws.MaxBatch || logits.Length != n * v)
        {
            throw new ArgumentException($"{n} head rows (at most {_ws.MaxBatch}) into {logits.Length} logits");
        }

        _device.MakeCurrent();
        _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, _tokens, h, Spec.RmsNormEps, h);
        _stream.Upload(rows, _ws.LastRows);
        _ops.GatherRows(_ws.Xn, _ws.LastHidden, _ws.LastRows, n, h);
        _ops.Linear(_weights.LmHead, _ws.LastHidden, h, _ws.Logits, v, n, v, h, false);
        _stream.Download<float>(_ws.Logits, logits);
    }

    public void Dispose()
    {
        DisposeGraphs();
        foreach (var table in _expertTables.Values)
        {
            table.Buffer.Dispose();
        }

        _expertCounts.Dispose();
        _ws.Dispose();
        _weights.Dispose();
        _ops.Dispose();
        _stream.Dispose();
    }

    private CudaLayerWeights Layer(int layer) =>
        _part.HasLayer(layer) ? _weights.Layers[layer] : throw new InvalidOperationException($"layer {layer} is not on this GPU stage");

    private void RequireTokens(int tokens, int values)
    {
        if (tokens != _tokens || values != tokens * Spec.Hidden)
        {
            throw new ArgumentException($"{values} values for a step of {_tokens} tokens of width {Spec.Hidden}");
        }
    }
}
