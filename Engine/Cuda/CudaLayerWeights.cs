namespace DistInfer.Engine.Cuda;

/// <summary>Device pointers of one decoder layer (0 where the architecture has no such tensor).</summary>
public sealed class CudaLayerWeights
{
    /// <summary>q, k and v projections stacked as one [(heads + 2 kvHeads) * headDim, hidden] matrix.</summary>
    public nint Qkv { get; set; }
    public nint QkvBias { get; set; }
    public nint O { get; set; }
    public nint InputNorm { get; set; }
    public nint PostNorm { get; set; }
    public nint QNorm { get; set; }
    public nint KNorm { get; set; }

    /// <summary>Router [E (+1 shared-expert gate row), hidden].</summary>
    public nint Router { get; set; }

    /// <summary>Experts' gate and up stacked: [E, 2F, hidden]; down: [E, hidden, F].</summary>
    public nint ExpertsGateUp { get; set; }
    public nint ExpertsDown { get; set; }
    public nint SharedGateUp { get; set; }
    public nint SharedDown { get; set; }

    /// <summary>Dense MLP (llama, mlp_only layers): gate and up stacked [2F, hidden]; down [hidden, F].</summary>
    public nint DenseGateUp { get; set; }
    public nint DenseDown { get; set; }
    public bool IsMoe { get; set; }
}
