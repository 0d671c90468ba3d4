namespace DistInfer.Engine.Cuda;

/// <summary>
/// A step's layers in one call: a decode-sized step (routed rows within the skinny MoE kernels, no read-back to the
/// host) replays a CUDA graph captured at its first use per (tokens, layer range), so the GPU runs the layers'
/// kernels back to back instead of waiting on one host launch each.
/// </summary>
public sealed partial class CudaStage
{
    private readonly Dictionary<(int Tokens, int First, int End, int AttentionBlocks), CudaGraph> _graphs = [];

    /// <summary>Replay decode-sized <see cref="Layers"/> calls as CUDA graphs (from the options; switch off to compare or profile).</summary>
    public bool UseCudaGraphs { get; set; }

    /// <summary>Graphs captured so far (one per step size and layer range).</summary>
    public int GraphCount => _graphs.Count;

    /// <summary>
    /// Runs layers [<paramref name="first"/>, <paramref name="end"/>) of the step begun, all on the device:
    /// attention, dense MLPs, and each MoE layer with its experts' matrices <paramref name="gateUp"/>[layer] and
    /// <paramref name="down"/>[layer] (as <see cref="Moe"/>; null for dense layers). The same as calling
    /// <see cref="Attention"/>, <see cref="DenseMlp"/> and <see cref="Moe"/> layer by layer. True when the step ran as a
    /// CUDA graph.
    /// </summary>
    public bool Layers(int first, int end, IReadOnlyList<nint[]?> gateUp, IReadOnlyList<nint[]?> down)
    {
        if (first < _part.FirstLayer || end > _part.EndLayer || first >= end)
        {
            throw new ArgumentException($"layers [{first}, {end}) are not within this GPU stage's [{_part.FirstLayer}, {_part.EndLayer})");
        }

        _device.MakeCurrent();
        bool anyMoe = false;
        for (int l = first; l < end; l++)
        {
            if (_weights.Layers[l].IsMoe)
            {
                if (!RoutesOnDevice(l) || gateUp[l] is null || down[l] is null)
                {
                    throw new InvalidOperationException($"MoE layer {l} needs its router on this GPU stage and its experts' matrices");
                }

                // Outside any capture: the expert tables' uploads come from host memory.
                Table(l, gateUp[l], down[l]);
                anyMoe = true;
            }
        }

        // Decode-sized steps only, dense stages too: each step size captures its own graph, and prefill sizes vary.
        int rows = _tokens * Math.Max(1, Spec.TopK);
        bool graph = UseCudaGraphs && CudaProfiler.Current is null && rows <= SkinnyMoeMaxRows
            && (!anyMoe || (_ops.SkinnySupported(Spec.Hidden) && _ops.SkinnySupported(Spec.MoeIntermediate)));
        if (!graph)
        {
            LayerKernels(first, end, gateUp, down);
            return false;
        }

        // A step of several tokens per sequence may take another attention kernel (CudaOps.UseAttentionMma), and its
        // block count sets that kernel's grid.
        var key = (_tokens, first, end, _queryRun >= 2 ? Math.Max(1, _attentionBlocks) : 0);
        if (!_graphs.TryGetValue(key, out var g))
        {
            _stream.BeginCapture();
            try
            {
                LayerKernels(first, end, gateUp, down);
            }
            catch
            {
                _stream.AbortCapture();
                throw;
            }

            g = _stream.EndCapture();
            _graphs[key] = g;
        }

        g.Launch(_stream);
        return true;
    }

    private void LayerKernels(int first, int end, IReadOnlyList<nint[]?> gateUp, IReadOnlyList<nint[]?> down)
    {
        for (int l = first; l < end; l++)
        {
            Attention(l);
            if (_weights.Layers[l].IsMoe)
            {
                Moe(l, gateUp[l], down[l]);
            }
            else
            {
                DenseMlp(l);
            }
        }
    }

    private void DisposeGraphs()
    {
        foreach (var g in _graphs.Values)
        {
            g.Dispose();
        }

        _graphs.Clear();
    }
}
