using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Cuda;

/// <summary>A MoE layer on the device: route, run experts held in separate device buffers, combine.</summary>
public sealed partial class CudaStage
{
    /// <summary>Routed rows up to which the experts run as the two grouped skinny kernels (as the whole-model path).</summary>
    private const int SkinnyMoeMaxRows = 64;

    private readonly DeviceBuffer _expertCounts;
    private readonly Dictionary<int, (DeviceBuffer Buffer, nint[] Pointers)> _expertTables = [];
    private readonly int[] _hostCounts;
    private readonly int[] _hostOffsets;

    /// <summary>Whether <paramref name="layer"/> is a MoE layer of this stage whose router is on the device.</summary>
    public bool RoutesOnDevice(int layer) => _part.HasLayer(layer) && _weights.Layers[layer] is { IsMoe: true, Router: not 0 };

    /// <summary>Whether expert matrices are bf16 here (those passed to <see cref="Moe"/> must match).</summary>
    public bool IsBf16 => _ops.Bf16;

    /// <summary>
    /// hidden += the layer's routed experts (+ gated shared expert) of post_attention_norm(hidden), all on the device:
    /// the router and top-k as the whole-model path, then expert e's SwiGLU from <paramref name="gateUp"/>[e]
    /// ([2F, hidden]) and <paramref name="down"/>[e] ([hidden, F]), device buffers of the stage's matrix type. The
    /// tokens each expert got are kept for <see cref="ReadExpertCounts"/>.
    /// </summary>
    public void Moe(int layer, ReadOnlySpan<nint> gateUp, ReadOnlySpan<nint> down)
    {
        var l = Layer(layer);
        if (!RoutesOnDevice(layer))
        {
            throw new InvalidOperationException($"layer {layer} has no router on this GPU stage");
        }

        var s = Spec;
        int t = _tokens, h = s.Hidden, e = s.Experts, k = s.TopK, f = s.MoeIntermediate;
        if (gateUp.Length != e || down.Length != e)
        {
            throw new ArgumentException($"{gateUp.Length} gate/up and {down.Length} down matrices for {e} experts");
        }

        bool shared = s.SharedExpertIntermediate > 0;
        int routerRows = e + (shared ? 1 : 0);
        _device.MakeCurrent();
        if (_ops.RouterFusedSupported(t, h))
        {
            _ops.RouterNormFused(_ws.H, l.PostNorm, s.RmsNormEps, _ws.Xn, _ws.XnF32, l.Router, _ws.RouterLogits, t, routerRows, h, e, k,
                s.NormTopKProb, _ws.TopKIds, _ws.TopKWeights, _ws.Counts, _ws.Offsets, _ws.PermToken, _ws.Inverse, _ws.ActiveExperts);
        }
        else
        {
            // The router stays fp32 (weights, input, logits) whatever the experts' type.
            _ops.RmsNorm(_ws.H, l.PostNorm, _ws.Xn, t, h, s.RmsNormEps, h, _ws.XnF32);
            _ops.RouterLogits(_ws.XnF32, l.Router, _ws.RouterLogits, t, routerRows, h);
            _ops.RouterTopK(_ws.RouterLogits, routerRows, t, e, k, s.NormTopKProb, _ws.TopKIds, _ws.TopKWeights, _ws.Counts,
                _ws.Offsets, _ws.PermToken, _ws.Inverse, _ws.ActiveExperts);
        }

        _stream.CopyAsync(_expertCounts.Pointer + (nint)((long)(layer - _part.FirstLayer) * e * 4), _ws.Counts, e * 4L, CudaRuntimeApi.MemcpyDeviceToDevice);
        int rows = t * k;
        if (_ops.SkinnyMoeSupported(rows, SkinnyMoeMaxRows, h, f))
        {
            // Few rows: expert ids stay on the device; experts nobody chose read no weights.
            nint table = Table(layer, gateUp, down);
            int slots = Math.Min(e, rows);
            _ops.MoeGateUpTable(table, _ws.Xn, _ws.PermToken, _ws.FfnAct, _ws.Counts, _ws.Offsets, _ws.ActiveExperts, slots, f, h, rows);
            _ops.MoeDownTable(table + (nint)(e * 8L), _ws.FfnAct, _ws.ExpertOut, _ws.Counts, _ws.Offsets, _ws.ActiveExperts, slots, h, f, rows);
        }
        else
        {
            // Many rows: gather rows by expert, one GEMM per expert on its block (sizes read back once).
            _ops.GatherRows(_ws.Xn, _ws.Gathered, _ws.PermToken, rows, h);
            _stream.Download<int>(_ws.Counts, _hostCounts.AsSpan(0, e));
            _stream.Download<int>(_ws.Offsets, _hostOffsets.AsSpan(0, e));
            int act = _ops.ActSize;
            for (int x = 0; x < e; x++)
            {
                int c = _hostCounts[x];
                if (c > 0)
                {
                    long off = _hostOffsets[x];
                    _ops.Blas.Linear(_ops.Bf16, c, 2 * f, h, _ws.Gathered + (nint)(off * h * act), h, gateUp[x], h, _ws.GateUp + (nint)(off * 2 * f * 4), 2 * f, false);
                }
            }

            _ops.SiluMul(_ws.GateUp, _ws.FfnAct, rows, f);
            for (int x = 0; x < e; x++)
            {
                int c = _hostCounts[x];
                if (c > 0)
                {
                    long off = _hostOffsets[x];
                    _ops.Blas.Linear(_ops.Bf16, c, h, f, _ws.FfnAct + (nint)(off * f * act), f, down[x], f, _ws.ExpertOut + (nint)(off * h * 4), h, false);
                }
            }
        }

        if (shared)
        {
            int fs = s.SharedExpertIntermediate;
            _ops.GateUpSilu(l.SharedGateUp, _ws.Xn, h, _ws.FfnAct, t, fs, h, _ws.GateUp);
            _ops.Linear(l.SharedDown, _ws.FfnAct, fs, _ws.SharedOut, h, t, h, fs, false);
        }

        // No next norm here: the next layer's attention (or the head) applies its own.
        _ops.MoeCombine(_ws.H, _ws.ExpertOut, _ws.Inverse, _ws.TopKWeights, t, k, h, shared ? _ws.SharedOut : 0,
            _ws.RouterLogits, routerRows, e, 0, 0, s.RmsNormEps);
    }

    /// <summary>
    /// Tokens each expert got in this step's device-routed MoE layers: counts[(layer - first layer) * experts + e]
    /// (zero for layers routed elsewhere). Waits for the step's work so far.
    /// </summary>
    public void ReadExpertCounts(Span<int> counts)
    {
        int n = Math.Max(1, _part.EndLayer - _part.FirstLayer) * Spec.Experts;
        if (counts.Length != n)
        {
            throw new ArgumentException($"{counts.Length} expert counts, expected {n}");
        }

        _device.MakeCurrent();
        _stream.Download<int>(_expertCounts.Pointer, counts);
    }

    /// <summary>The layer's device table [gate/up pointers of E experts, down pointers of E]; uploaded when it changes.</summary>
    private nint Table(int layer, ReadOnlySpan<nint> gateUp, ReadOnlySpan<nint> down)
    {
        int e = gateUp.Length;
        if (!_expertTables.TryGetValue(layer, out var table))
        {
            table = (_device.Allocate(2L * e * 8), new nint[2 * e]);
            _expertTables[layer] = table;
        }
        else if (gateUp.SequenceEqual(table.Pointers.AsSpan(0, e)) && down.SequenceEqual(table.Pointers.AsSpan(e, e)))
        {
            return table.Buffer.Pointer;
        }

        gateUp.CopyTo(table.Pointers);
        down.CopyTo(table.Pointers.AsSpan(e));
        _stream.Upload<nint>(table.Pointers, table.Buffer.Pointer);
        return table.Buffer.Pointer;
    }
}
