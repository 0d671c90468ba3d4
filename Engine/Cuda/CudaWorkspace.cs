namespace DistInfer.Engine.Cuda;

/// <summary>
/// Activation buffers for one forward of up to <see cref="MaxTokens"/> tokens, the KV cache for
/// <see cref="MaxBatch"/> sequences of up to <see cref="MaxSeqLen"/> positions, RoPE tables and decode state.
/// </summary>
public sealed class CudaWorkspace : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];
    private readonly CudaDevice _device;

    public CudaWorkspace(CudaDevice device, CudaModelSpec s, bool bf16, int maxTokens, int maxBatch, int maxSeqLen, int maxLogitRows)
    {
        _device = device;
        MaxTokens = maxTokens;
        MaxBatch = maxBatch;
        MaxSeqLen = maxSeqLen;
        MaxLogitRows = maxLogitRows;
        int act = bf16 ? 2 : 4;
        long t = maxTokens, h = s.Hidden, hd = s.HeadDim;
        long k = Math.Max(1, s.TopK);
        long qkvWidth = (s.Heads + 2 * s.KvHeads) * hd;
        long routed = s.Experts > 0 ? t * k : 0;
        long ffnRows = Math.Max(routed * s.MoeIntermediate, t * Math.Max(s.Intermediate, s.SharedExpertIntermediate));
        H = Alloc(t * h * 4);
        Xn = Alloc(t * Math.Max(h, s.Heads * hd) * act);
        XnF32 = Alloc(t * h * 4);
        Qkv = Alloc(t * qkvWidth * 4);
        Q = Alloc(t * s.Heads * hd * 4);
        Attn = Alloc(t * s.Heads * hd * act);
        RouterLogits = Alloc(t * (s.Experts + 1) * 4);
        TopKIds = Alloc(t * k * 4);
        TopKWeights = Alloc(t * k * 4);
        Counts = Alloc((s.Experts + 1) * 4L);
        Offsets = Alloc((s.Experts + 1) * 4L);
        ActiveExperts = Alloc((s.Experts + 1) * 4L);
        PermToken = Alloc(t * k * 4);
        Inverse = Alloc(t * k * 4);
        Gathered = Alloc(Math.Max(routed, 1) * h * act);
        GateUp = Alloc(ffnRows * 2 * 4);
        FfnAct = Alloc(ffnRows * act);
        ExpertOut = Alloc(Math.Max(routed, 1) * h * 4);
        SharedOut = Alloc(s.SharedExpertIntermediate > 0 ? t * h * 4 : 4);
        Logits = Alloc((long)maxLogitRows * s.Vocab * 4);
        Tokens = Alloc(t * 4);
        Positions = Alloc(t * 4);
        Slots = Alloc(t * 4);
        DecodeTokens = Alloc(maxBatch * 4L);
        DecodePositions = Alloc(maxBatch * 4L);
        DecodeSlots = Alloc(maxBatch * 4L);
        History = Alloc((long)maxBatch * maxSeqLen * 4);
        LastRows = Alloc(maxBatch * 4L);
        AttentionBlocks = Alloc(t * 8);
        AttentionPartials = Alloc(Math.Min(t, CudaOps.SplitAttentionMaxTokens) * s.Heads * CudaOps.MaxAttentionSplits * (hd + 2) * 4);
        LastHidden = Alloc(maxBatch * h * act);
        long cache = (long)maxBatch * maxSeqLen * s.KvHeads * hd * act;
        KCache = new nint[s.Layers];
        VCache = new nint[s.Layers];
        for (int i = 0; i < s.Layers; i++)
        {
            KCache[i] = Alloc(cache);
            VCache[i] = Alloc(cache);
        }

        KvCacheBytes = 2 * cache * s.Layers;
        (RopeCos, RopeSin) = UploadRope(s, maxSeqLen);
    }

    public int MaxTokens { get; }
    public int MaxBatch { get; }
    public int MaxSeqLen { get; }
    public int MaxLogitRows { get; }
    public long KvCacheBytes { get; }

    public nint H { get; }
    public nint Xn { get; }
    /// <summary>The post-attention norm in fp32 [tokens, hidden]: the MoE router's input.</summary>
    public nint XnF32 { get; }

    public nint Qkv { get; }
    public nint Q { get; }
    public nint Attn { get; }
    public nint RouterLogits { get; }
    public nint TopKIds { get; }
    public nint TopKWeights { get; }
    public nint Counts { get; }
    public nint Offsets { get; }
    public nint ActiveExperts { get; }
    public nint PermToken { get; }
    public nint Inverse { get; }
    public nint Gathered { get; }
    public nint GateUp { get; }
    public nint FfnAct { get; }
    public nint ExpertOut { get; }
    public nint SharedOut { get; }
    public nint Logits { get; }
    public nint Tokens { get; }
    public nint Positions { get; }
    public nint Slots { get; }
    public nint DecodeTokens { get; }
    public nint DecodePositions { get; }
    public nint DecodeSlots { get; }
    public nint History { get; }
    public nint LastRows { get; }
    public nint AttentionPartials { get; }

    /// <summary>Tensor-core attention's blocks of a prefill-shaped step: (first token, tokens) pairs, one sequence each.</summary>
    public nint AttentionBlocks { get; }
    public nint LastHidden { get; }
    public nint[] KCache { get; }
    public nint[] VCache { get; }
    public nint RopeCos { get; }
    public nint RopeSin { get; }

    /// <summary>Bytes allocated on the device.</summary>
    public long Bytes => _buffers.Sum(b => b.Bytes);

    public void Dispose()
    {
        foreach (var b in _buffers)
        {
            b.Dispose();
        }

        _buffers.Clear();
    }

    private nint Alloc(long bytes)
    {
        var b = _device.Allocate(Math.Max(bytes, 16));
        _buffers.Add(b);
        return b.Pointer;
    }

    /// <summary>cos/sin [position, headDim/2] computed as transformers does: fp32 inv_freq, fp32 pos * inv_freq.</summary>
    private (nint Cos, nint Sin) UploadRope(CudaModelSpec s, int maxSeqLen)
    {
        int half = s.HeadDim / 2;
        var cos = new float[(long)maxSeqLen * half];
        var sin = new float[cos.Length];
        for (int j = 0; j < half; j++)
        {
            float inv = 1f / MathF.Pow((float)s.RopeTheta, 2 * j / (float)s.HeadDim);
            for (int p = 0; p < maxSeqLen; p++)
            {
                float f = p * inv;
                cos[(long)p * half + j] = (float)Math.Cos(f);
                sin[(long)p * half + j] = (float)Math.Sin(f);
            }
        }

        var c = _device.Allocate(cos.Length * 4L);
        var sn = _device.Allocate(sin.Length * 4L);
        _buffers.Add(c);
        _buffers.Add(sn);
        c.Upload<float>(cos);
        sn.Upload<float>(sin);
        return (c.Pointer, sn.Pointer);
    }
}
