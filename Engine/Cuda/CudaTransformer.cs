using DistInfer.Engine.Checkpoints;

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

    private CudaTransformer(CudaDevice device, CudaStream stream, CudaOps ops, CudaWeights weights, CudaTransformerOptions options)
    {
        _device = device;
        _stream = stream;
        _ops = ops;
        _weights = weights;
        _options = options;
        Spec = weights.Spec;
        _ws = new CudaWorkspace(device, Spec, options.Bf16, options.MaxTokens, options.MaxBatch, options.MaxSeqLen, Math.Max(options.MaxLogitRows, options.MaxBatch));
        _hostCounts = new int[Spec.Experts + 1];
        _hostOffsets = new int[Spec.Experts + 1];
    }

    public CudaModelSpec Spec { get; }

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
        RunLayers(t, _ws.Tokens, _ws.Positions, _ws.Slots, routerLogits);
        _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, t, Spec.Hidden, Spec.RmsNormEps, Spec.Hidden);
        _ops.Linear(_weights.LmHead, _ws.Xn, Spec.Hidden, _ws.Logits, Spec.Vocab, t, Spec.Vocab, Spec.Hidden, false);
        var logits = new float[(long)t * Spec.Vocab];
        _stream.Download<float>(_ws.Logits, logits);
        return logits;
    }

    /// <summary>Greedy continuation: [batch, newTokens] ids after prompts of equal length (no EOS stop).</summary>
    public int[] GenerateGreedy(ReadOnlySpan<int> prompt, int batch, int promptLen, int newTokens)
    {
        Prefill(prompt, batch, promptLen);
        for (int i = 1; i < newTokens; i++)
        {
            DecodeStep(batch);
        }

        return ReadGenerated(batch, promptLen, newTokens);
    }

    /// <summary>Runs the prompts and picks each sequence's first new token on the device (nothing is read back).</summary>
    public void Prefill(ReadOnlySpan<int> prompt, int batch, int promptLen)
    {
        int t = batch * promptLen;
        Require(t <= _options.MaxTokens && batch <= _options.MaxBatch, $"prefill of {batch}×{promptLen} exceeds MaxTokens/MaxBatch");
        Require(promptLen < _options.MaxSeqLen, $"prompt length {promptLen} exceeds MaxSeqLen");
        UploadPrompt(prompt, batch, promptLen);
        RunLayers(t, _ws.Tokens, _ws.Positions, _ws.Slots, null);
        // Final norm and lm_head on the last position of each sequence only (rows strided by promptLen).
        long h = Spec.Hidden;
        _ops.RmsNorm(_ws.H + (nint)((promptLen - 1) * h * 4), _weights.FinalNorm, _ws.Xn, batch, Spec.Hidden, Spec.RmsNormEps, promptLen * h);
        _ops.Linear(_weights.LmHead, _ws.Xn, Spec.Hidden, _ws.Logits, Spec.Vocab, batch, Spec.Vocab, Spec.Hidden, false);
        var pos = new int[batch];
        var slots = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            pos[b] = promptLen - 1;
            slots[b] = b;
        }

        _stream.Upload<int>(pos, _ws.DecodePositions);
        _stream.Upload<int>(slots, _ws.DecodeSlots);
        _ops.ArgmaxAdvance(_ws.Logits, Spec.Vocab, batch, Spec.Vocab, _ws.DecodeTokens, _ws.DecodePositions, _ws.History, _ws.MaxSeqLen);
    }

    /// <summary>One token for each of the first <paramref name="batch"/> sequences, fed back on the device.</summary>
    public void DecodeStep(int batch)
    {
        if (_options.UseCudaGraphs && batch * Spec.TopK <= _options.SkinnyMoeMaxRows)
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

    /// <summary>The ids generated at positions promptLen .. promptLen+newTokens-1, [batch, newTokens].</summary>
    public int[] ReadGenerated(int batch, int promptLen, int newTokens)
    {
        var all = new int[batch * _ws.MaxSeqLen];
        _stream.Download<int>(_ws.History, all);
        var result = new int[batch * newTokens];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(all, b * _ws.MaxSeqLen + promptLen, result, b * newTokens, newTokens);
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
        RunLayers(batch, _ws.DecodeTokens, _ws.DecodePositions, _ws.DecodeSlots, null);
        _ops.RmsNorm(_ws.H, _weights.FinalNorm, _ws.Xn, batch, Spec.Hidden, Spec.RmsNormEps, Spec.Hidden);
        _ops.Linear(_weights.LmHead, _ws.Xn, Spec.Hidden, _ws.Logits, Spec.Vocab, batch, Spec.Vocab, Spec.Hidden, false);
        _ops.ArgmaxAdvance(_ws.Logits, Spec.Vocab, batch, Spec.Vocab, _ws.DecodeTokens, _ws.DecodePositions, _ws.History, _ws.MaxSeqLen);
    }

    private void UploadPrompt(ReadOnlySpan<int> ids, int batch, int seqLen)
    {
        int t = batch * seqLen;
        Require(ids.Length == t, $"{ids.Length} ids for {batch}×{seqLen}");
        Require(seqLen <= _options.MaxSeqLen && batch <= _options.MaxBatch, $"{batch}×{seqLen} exceeds MaxBatch/MaxSeqLen");
        foreach (var id in ids)
        {
            Require(id >= 0 && id < Spec.Vocab, $"token id {id} outside the vocabulary of {Spec.Vocab}");
        }

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

        _device.MakeCurrent();
        _stream.Upload(ids, _ws.Tokens);
        _stream.Upload<int>(pos, _ws.Positions);
        _stream.Upload<int>(slots, _ws.Slots);
    }

    private void RunLayers(int t, nint tokens, nint positions, nint slots, IList<float[]>? routerLogits)
    {
        var s = Spec;
        int h = s.Hidden, hd = s.HeadDim, qw = s.Heads * hd;
        int flags = (_weights.Layers[0].QkvBias != 0 ? 1 : 0) | (s.QkNorm == QkNormKind.PerHead ? 2 : 0)
            | (s.QkNorm == QkNormKind.FullWidth ? 4 : 0) | (s.ClipQkv is not null ? 8 : 0);
        _ops.Embed(tokens, _weights.Embed, _ws.H, t, h);
        for (int i = 0; i < s.Layers; i++)
        {
            var l = _weights.Layers[i];
            _ops.RmsNorm(_ws.H, l.InputNorm, _ws.Xn, t, h, s.RmsNormEps, h);
            int width = qw + 2 * s.KvHeads * hd;
            _ops.Linear(l.Qkv, _ws.Xn, h, _ws.Qkv, width, t, width, h, false);
            _ops.QkvPrep(_ws.Qkv, l.QkvBias, l.QNorm, l.KNorm, _ws.RopeCos, _ws.RopeSin, slots, positions, _ws.Q,
                _ws.KCache[i], _ws.VCache[i], t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen, s.RmsNormEps, s.ClipQkv ?? 0f, flags);
            _ops.Attention(_ws.Q, _ws.KCache[i], _ws.VCache[i], _ws.Attn, slots, positions, t, s.Heads, s.KvHeads, hd, _ws.MaxSeqLen);
            _ops.Linear(l.O, _ws.Attn, qw, _ws.H, h, t, h, qw, true);
            _ops.RmsNorm(_ws.H, l.PostNorm, _ws.Xn, t, h, s.RmsNormEps, h);
            if (l.IsMoe)
            {
                Moe(l, t, routerLogits);
            }
            else
            {
                int f = s.Intermediate;
                _ops.Linear(l.DenseGateUp, _ws.Xn, h, _ws.GateUp, 2 * f, t, 2 * f, h, false);
                _ops.SiluMul(_ws.GateUp, _ws.FfnAct, t, f);
                _ops.Linear(l.DenseDown, _ws.FfnAct, f, _ws.H, h, t, h, f, true);
            }
        }
    }
}
