using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// A model's weights resident on one GPU: matrices in bf16 or fp32 (fused where one GEMM can serve several
/// projections), norms, biases and the MoE routers in fp32 (a router is tiny, and bf16 rounding of it flips
/// near-tied expert choices). Built from a checkpoint or filled with random values for benchmarks.
/// </summary>
public sealed class CudaWeights : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];
    private readonly CudaDevice _device;
    private readonly CudaOps _ops;

    private CudaWeights(CudaDevice device, CudaOps ops, CudaModelSpec spec)
    {
        _device = device;
        _ops = ops;
        Spec = spec;
        Layers = new CudaLayerWeights[spec.Layers];
    }

    public CudaModelSpec Spec { get; }

    public bool IsBf16 => _ops.Bf16;

    public nint Embed { get; private set; }

    public nint LmHead { get; private set; }

    public nint FinalNorm { get; private set; }

    public CudaLayerWeights[] Layers { get; }

    /// <summary>Bytes resident on the device.</summary>
    public long Bytes => _buffers.Sum(b => b.Bytes);

    /// <summary>
    /// Loads the weights of <paramref name="part"/> (null: the whole model). Layers outside its range stay null in
    /// <see cref="Layers"/>; a part whose expert filter refuses a layer's expert 0 loads no experts, router or
    /// shared expert of that layer (a pipeline stage whose experts live in expert grains); a pointer of a tensor
    /// not loaded is 0. With <paramref name="routers"/>, such a layer's router and shared expert load all the same
    /// (a stage that routes on the device to experts held elsewhere on the device).
    /// </summary>
    public static CudaWeights Load(CudaDevice device, CudaOps ops, CudaModelSpec spec, ITensorSource source, ModelPart? part = null, bool routers = false)
    {
        var w = new CudaWeights(device, ops, spec);
        try
        {
            w.Build(new CheckpointFiller(w, source), part ?? ModelPart.Whole(spec.Layers), routers);
        }
        catch
        {
            w.Dispose();
            throw;
        }

        return w;
    }

    /// <summary>Random matrices (std <paramref name="scale"/>), unit norms, zero biases; weights in the ops' dtype.</summary>
    public static CudaWeights CreateRandom(CudaDevice device, CudaOps ops, CudaModelSpec spec, ulong seed, float scale = 0.02f)
    {
        var w = new CudaWeights(device, ops, spec);
        w.Build(new RandomFiller(w, seed, scale), ModelPart.Whole(spec.Layers), false);
        return w;
    }

    public void Dispose()
    {
        foreach (var b in _buffers)
        {
            b.Dispose();
        }

        _buffers.Clear();
    }

    private void Build(IFiller f, ModelPart part, bool routers)
    {
        var s = Spec;
        int h = s.Hidden, hd = s.HeadDim;
        if (part.Embedding || (part.Head && s.TieWordEmbeddings))
        {
            Embed = f.Matrix(["model.embed_tokens.weight"], s.Vocab, h);
        }

        if (part.Head)
        {
            LmHead = s.TieWordEmbeddings ? Embed : f.Matrix(["lm_head.weight"], s.Vocab, h);
            FinalNorm = f.Vector("model.norm.weight", h, 1f);
        }

        for (int i = part.FirstLayer; i < part.EndLayer; i++)
        {
            string p = $"model.layers.{i}";
            var l = new CudaLayerWeights
            {
                InputNorm = f.Vector($"{p}.input_layernorm.weight", h, 1f),
                PostNorm = f.Vector($"{p}.post_attention_layernorm.weight", h, 1f),
                Qkv = f.Matrix([$"{p}.self_attn.q_proj.weight", $"{p}.self_attn.k_proj.weight", $"{p}.self_attn.v_proj.weight"], (s.Heads + 2 * s.KvHeads) * hd, h),
                O = f.Matrix([$"{p}.self_attn.o_proj.weight"], h, s.Heads * hd),
                IsMoe = s.IsMoeLayer(i),
            };
            if (s.QkvBias)
            {
                l.QkvBias = f.Vectors([$"{p}.self_attn.q_proj.bias", $"{p}.self_attn.k_proj.bias", $"{p}.self_attn.v_proj.bias"],
                    [s.Heads * hd, s.KvHeads * hd, s.KvHeads * hd], 0f);
            }

            if (s.QkNorm == QkNormKind.PerHead)
            {
                l.QNorm = f.Vector($"{p}.self_attn.q_norm.weight", hd, 1f);
                l.KNorm = f.Vector($"{p}.self_attn.k_norm.weight", hd, 1f);
            }
            else if (s.QkNorm == QkNormKind.FullWidth)
            {
                l.QNorm = f.Vector($"{p}.self_attn.q_norm.weight", s.Heads * hd, 1f);
                l.KNorm = f.Vector($"{p}.self_attn.k_norm.weight", s.KvHeads * hd, 1f);
            }

            bool experts = l.IsMoe && part.HasExpert(i, 0);
            if (experts || (l.IsMoe && routers))
            {
                string m = s.MoePrefix(i);
                var routerNames = new List<string> { $"{m}.gate.weight" };
                int routerRows = s.Experts;
                if (s.SharedExpertIntermediate > 0)
                {
                    // The shared expert's gate logit rides along as one more router row.
                    routerNames.Add($"{m}.shared_expert_gate.weight");
                    routerRows++;
                }

                l.Router = f.Matrix([.. routerNames], routerRows, h, float32: true);
                if (s.SharedExpertIntermediate > 0)
                {
                    int fs = s.SharedExpertIntermediate;
                    l.SharedGateUp = f.Matrix([$"{m}.shared_expert.gate_proj.weight", $"{m}.shared_expert.up_proj.weight"], 2 * fs, h);
                    l.SharedDown = f.Matrix([$"{m}.shared_expert.down_proj.weight"], h, fs);
                }
            }

            if (experts)
            {
                string m = s.MoePrefix(i);
                var (g, u, d) = s.ExpertNames;
                int fi = s.MoeIntermediate;
                var gateUp = new List<string>();
                var down = new List<string>();
                for (int e = 0; e < s.Experts; e++)
                {
                    gateUp.Add($"{m}.experts.{e}.{g}.weight");
                    gateUp.Add($"{m}.experts.{e}.{u}.weight");
                    down.Add($"{m}.experts.{e}.{d}.weight");
                }

                l.ExpertsGateUp = f.Matrix([.. gateUp], s.Experts * 2 * fi, h);
                l.ExpertsDown = f.Matrix([.. down], s.Experts * h, fi);
            }
            else if (!l.IsMoe)
            {
                l.DenseGateUp = f.Matrix([$"{p}.mlp.gate_proj.weight", $"{p}.mlp.up_proj.weight"], 2 * s.Intermediate, h);
                l.DenseDown = f.Matrix([$"{p}.mlp.down_proj.weight"], h, s.Intermediate);
            }

            Layers[i] = l;
        }

        _device.MakeCurrent();
        _ops.Stream.Synchronize();
    }

    private DeviceBuffer Add(long bytes)
    {
        var b = _device.Allocate(bytes);
        _buffers.Add(b);
        return b;
    }

    private interface IFiller
    {
        /// <summary>The named [*, cols] tensors stacked row-wise into one rows × cols matrix (fp32 when asked, else the ops' type).</summary>
        nint Matrix(string[] names, long rows, int cols, bool float32 = false);

        nint Vector(string name, int length, float fallback);

        nint Vectors(string[] names, int[] lengths, float fallback);
    }

    private sealed class CheckpointFiller(CudaWeights owner, ITensorSource source) : IFiller
    {
        public nint Matrix(string[] names, long rows, int cols, bool float32 = false)
        {
            bool bf16 = owner.IsBf16 && !float32;
            int esz = bf16 ? 2 : 4;
            var buffer = owner.Add(rows * cols * esz);
            long row = 0;
            foreach (var name in names)
            {
                var info = source.GetInfo(name);
                long n = info.ElementCount;
                if (n % cols != 0 || row + n / cols > rows)
                {
                    throw new CheckpointException($"{source.Description}: tensor {name} has shape [{string.Join(", ", info.Shape)}], expected [*, {cols}] within {rows} rows");
                }

                var f32 = new float[n];
                source.ReadFloat32(name, f32);
                if (bf16)
                {
                    var b16 = new ushort[n];
                    Bf16.FromFloat(f32, b16);
                    buffer.Upload<ushort>(b16, row * cols * esz);
                }
                else
                {
                    buffer.Upload<float>(f32, row * cols * esz);
                }

                row += n / cols;
            }

            if (row != rows)
            {
                throw new CheckpointException($"{source.Description}: {string.Join(", ", names)} give {row} rows, expected {rows}");
            }

            return buffer.Pointer;
        }

        public nint Vector(string name, int length, float fallback) => Vectors([name], [length], fallback);

        public nint Vectors(string[] names, int[] lengths, float fallback)
        {
            var buffer = owner.Add(lengths.Sum() * 4L);
            long offset = 0;
            for (int i = 0; i < names.Length; i++)
            {
                var info = source.GetInfo(names[i]);
                if (info.ElementCount != lengths[i])
                {
                    throw new CheckpointException($"{source.Description}: tensor {names[i]} has {info.ElementCount} elements, expected {lengths[i]}");
                }

                buffer.Upload<float>(source.ReadFloat32(names[i]), offset);
                offset += lengths[i] * 4L;
            }

            return buffer.Pointer;
        }
    }

    private sealed class RandomFiller(CudaWeights owner, ulong seed, float scale) : IFiller
    {
        private ulong _next = seed;

        public nint Matrix(string[] names, long rows, int cols, bool float32 = false)
        {
            if (!owner.IsBf16)
            {
                throw new InvalidOperationException("random weights are generated in bf16 only");
            }

            ulong seed = _next++ * 0x9E3779B97F4A7C15UL;
            if (float32)
            {
                var f32 = owner.Add(rows * cols * 4);
                owner._ops.FillRandomF32(f32.Pointer, rows * cols, seed, scale);
                return f32.Pointer;
            }

            var buffer = owner.Add(rows * cols * 2);
            owner._ops.FillRandomBf16(buffer.Pointer, rows * cols, seed, scale);
            return buffer.Pointer;
        }

        public nint Vector(string name, int length, float fallback) => Vectors([name], [length], fallback);

        public nint Vectors(string[] names, int[] lengths, float fallback)
        {
            long n = lengths.Sum();
            var buffer = owner.Add(n * 4);
            owner._ops.FillF32(buffer.Pointer, n, fallback);
            return buffer.Pointer;
        }
    }
}
