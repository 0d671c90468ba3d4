using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Shape and initialisation of a random Hugging Face-layout checkpoint (see <see cref="RandomCheckpoint"/>).
/// Defaults describe a ~640M-parameter Mixtral-style MoE. <see cref="Ffn"/> is the dense MLP width for llama and
/// the per-expert width for the MoE architectures.
/// </summary>
public sealed record ModelInitOptions
{
    /// <summary>One of llama, mixtral, qwen2_moe, qwen3_moe, olmoe (the Hugging Face model_type).</summary>
    public string Architecture { get; init; } = "mixtral";

    public int Hidden { get; init; } = 1024;

    public int Layers { get; init; } = 8;

    public int Heads { get; init; } = 16;

    public int KvHeads { get; init; } = 4;

    /// <summary>Per-head width; null means Hidden / Heads (qwen2_moe and olmoe only support that).</summary>
    public int? HeadDim { get; init; }

    public int Experts { get; init; } = 8;

    public int TopK { get; init; } = 2;

    public int Ffn { get; init; } = 2816;

    /// <summary>qwen2_moe's shared expert width; null means <see cref="Ffn"/>.</summary>
    public int? SharedExpertFfn { get; init; }

    /// <summary>
    /// intermediate_size written for qwen2_moe and qwen3_moe, the width of dense MLP layers (there are none when every
    /// layer is MoE, as here); null means <see cref="Ffn"/>.
    /// </summary>
    public int? DenseFfn { get; init; }

    public int Vocab { get; init; } = 32000;

    /// <summary>BF16, F32 or F16.</summary>
    public DType DType { get; init; } = DType.BF16;

    public ulong Seed { get; init; }

    /// <summary>Standard deviation of the weights (written as initializer_range); values are uniform with this std.</summary>
    public double InitStd { get; init; } = 0.02;

    public double RopeTheta { get; init; } = 1_000_000.0;

    public double RmsNormEps { get; init; } = 1e-5;

    public int MaxPositionEmbeddings { get; init; } = 4096;

    /// <summary>Tensor bytes per file; a larger checkpoint is sharded with an index.</summary>
    public long MaxShardBytes { get; init; } = 2L << 30;

    public int ResolvedHeadDim => HeadDim ?? (Heads > 0 ? Hidden / Heads : 0);

    public int ResolvedSharedExpertFfn => SharedExpertFfn ?? Ffn;
}
