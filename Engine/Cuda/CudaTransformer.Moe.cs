namespace DistInfer.Engine.Cuda;

/// <summary>The MoE block: route, group rows by expert, run experts, combine in top-k order.</summary>
public sealed partial class CudaTransformer
{
    /// <summary>Routing of few tokens runs as one single-block kernel that also applies the post-attention norm.</summary>
    private bool FusedRouter(int t, IList<float[]>? routerLogits) => _ops.RouterFusedSupported(t, Spec.Hidden) && routerLogits is null;

    private void Moe(CudaLayerWeights l, int t, IList<float[]>? routerLogits, nint nextNorm, bool fusedRouter)
    {
        var s = Spec;
        int h = s.Hidden, e = s.Experts, k = s.TopK, f = s.MoeIntermediate;
        bool shared = s.SharedExpertIntermediate > 0;
        int routerRows = e + (shared ? 1 : 0);
        if (fusedRouter)
        {
            _ops.RouterNormFused(_ws.H, l.PostNorm, s.RmsNormEps, _ws.Xn, _ws.XnF32, l.Router, _ws.RouterLogits, t, routerRows, h, e, k,
                s.NormTopKProb, _ws.TopKIds, _ws.TopKWeights, _ws.Counts, _ws.Offsets, _ws.PermToken, _ws.Inverse, _ws.ActiveExperts);
        }
        else
        {
            // The router stays fp32 (weights, input, logits) whatever the experts' type.
            _ops.RouterLogits(_ws.XnF32, l.Router, _ws.RouterLogits, t, routerRows, h);
            if (routerLogits is not null)
            {
                var all = new float[t * routerRows];
                _stream.Download<float>(_ws.RouterLogits, all);
                var mine = new float[t * e];
                for (int i = 0; i < t; i++)
                {
                    Array.Copy(all, i * routerRows, mine, i * e, e);
                }

                routerLogits.Add(mine);
            }

            _ops.RouterTopK(_ws.RouterLogits, routerRows, t, e, k, s.NormTopKProb, _ws.TopKIds, _ws.TopKWeights, _ws.Counts,
                _ws.Offsets, _ws.PermToken, _ws.Inverse, _ws.ActiveExperts);
        }

        int rows = t * k;
        if (_ops.SkinnyMoeSupported(rows, _options.SkinnyMoeMaxRows, h, f))
        {
            // Few rows: expert ids stay on the device; experts nobody chose read no weights.
            int slots = Math.Min(e, rows);
            _ops.MoeGateUp(l.ExpertsGateUp, _ws.Xn, _ws.PermToken, _ws.FfnAct, _ws.Counts, _ws.Offsets, _ws.ActiveExperts, slots, f, h, rows);
            _ops.MoeDown(l.ExpertsDown, _ws.FfnAct, _ws.ExpertOut, _ws.Counts, _ws.Offsets, _ws.ActiveExperts, slots, h, f, rows);
        }
        else
        {
            // Many rows: gather rows by expert, one GEMM per expert on its block (sizes read back once).
            _ops.GatherRows(_ws.Xn, _ws.Gathered, _ws.PermToken, rows, h);
            _stream.Download<int>(_ws.Counts, _hostCounts.AsSpan(0, e));
            _stream.Download<int>(_ws.Offsets, _hostOffsets.AsSpan(0, e));
            int act = _ops.ActSize;
            long gateUpBytes = 2L * f * h * act, downBytes = (long)h * f * act;
            for (int x = 0; x < e; x++)
            {
                int c = _hostCounts[x];
                if (c > 0)
                {
                    long off = _hostOffsets[x];
                    _ops.Blas.Linear(_ops.Bf16, c, 2 * f, h, _ws.Gathered + (nint)(off * h * act), h,
                        l.ExpertsGateUp + (nint)(x * gateUpBytes), h, _ws.GateUp + (nint)(off * 2 * f * 4), 2 * f, false);
                }
            }

            _ops.SiluMul(_ws.GateUp, _ws.FfnAct, rows, f);
            for (int x = 0; x < e; x++)
            {
                int c = _hostCounts[x];
                if (c > 0)
                {
                    long off = _hostOffsets[x];
                    _ops.Blas.Linear(_ops.Bf16, c, h, f, _ws.FfnAct + (nint)(off * f * act), f,
                        l.ExpertsDown + (nint)(x * downBytes), f, _ws.ExpertOut + (nint)(off * h * 4), h, false);
                }
            }
        }

        if (shared)
        {
            int fs = s.SharedExpertIntermediate;
            _ops.GateUpSilu(l.SharedGateUp, _ws.Xn, h, _ws.FfnAct, t, fs, h, _ws.GateUp);
            _ops.Linear(l.SharedDown, _ws.FfnAct, fs, _ws.SharedOut, h, t, h, fs, false);
        }

        _ops.MoeCombine(_ws.H, _ws.ExpertOut, _ws.Inverse, _ws.TopKWeights, t, k, h, shared ? _ws.SharedOut : 0,
            _ws.RouterLogits, routerRows, e, nextNorm, _ws.Xn, s.RmsNormEps);
    }
}
