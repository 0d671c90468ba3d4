using System.Buffers;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>Receives each MoE layer's raw router logits [rows, E] during a forward step.</summary>
public delegate void RouterLogitsSink(int layer, int moeOrdinal, ReadOnlySpan<float> logits, int rows);

/// <summary>
/// A decoder-only transformer (dense or MoE) over a model part. Steps are ragged batches: any mix of prefill
/// and decode tokens from many sequences goes through each linear layer as one matrix.
/// </summary>
public sealed class TransformerModel
{
    private readonly AttentionBlock _attention;
    private readonly MoeBlock _moe;
    private readonly bool _bf16;

    /// <param name="precision">Defaults to bf16 rounding for bf16 checkpoints and fp32 otherwise.</param>
    public TransformerModel(ModelWeights weights, IGemm gemm, ActivationPrecision? precision = null)
    {
        Weights = weights;
        Config = weights.Config;
        Gemm = gemm;
        Precision = precision ?? DefaultPrecision(Config);
        _bf16 = Precision == ActivationPrecision.BFloat16;
        Rope = new RotaryEmbedding(Config.HeadDim, Config.RopeTheta);
        _attention = new AttentionBlock(Config, Rope, gemm, _bf16);
        _moe = new MoeBlock(Config, gemm, _bf16);
    }

    public ActivationPrecision Precision { get; }

    /// <summary>Switch capacity factor of every MoE layer (see <see cref="MoeBlock.CapacityFactor"/>); 0 is dropless.</summary>
    public double CapacityFactor
    {
        get => _moe.CapacityFactor;
        set => _moe.CapacityFactor = value >= 0 ? value : throw new DistInferException($"capacity factor must be 0 (dropless) or positive (got {value})");
    }

    /// <summary>bf16 rounding for bf16 checkpoints (as transformers and vLLM run them), fp32 otherwise.</summary>
    public static ActivationPrecision DefaultPrecision(ModelConfig config) =>
        config.DType == "bfloat16" ? ActivationPrecision.BFloat16 : ActivationPrecision.Float32;

    public ModelConfig Config { get; }
    public ModelWeights Weights { get; }
    public IGemm Gemm { get; }
    public RotaryEmbedding Rope { get; }

    /// <summary>Loads config.json and the checkpoint of <paramref name="modelDir"/>.</summary>
    /// <param name="storage">
    /// How to hold the weights: by default (null, unless <see cref="WeightLoader.StorageVariable"/> says otherwise)
    /// bf16 checkpoints stay bf16 with the managed kernels, half the memory of fp32 with the same results; other
    /// kernels get fp32 (see <see cref="WeightLoader.ResolveStorage"/>).
    /// </param>
    public static TransformerModel Load(string modelDir, IGemm gemm, ModelPart? part = null, ActivationPrecision? precision = null, WeightStorage? storage = null)
    {
        var config = ModelConfigReader.Load(modelDir);
        using var source = Checkpoint.Open(modelDir);
        return new TransformerModel(WeightLoader.Load(source, config, part, WeightLoader.ResolveStorage(storage, gemm)), gemm, precision);
    }

    public SequenceKvCache CreateCache(int initialCapacity = 64) =>
        new(Weights.Part.FirstLayer, Weights.Part.EndLayer, Config.NumKvHeads * Config.HeadDim, initialCapacity);

    /// <summary>hidden[N, H] = embedding rows of <paramref name="tokenIds"/>.</summary>
    public void Embed(ReadOnlySpan<int> tokenIds, Span<float> hidden)
    {
        var table = Weights.Embedding ?? throw new InvalidOperationException("this model part has no embedding");
        var h = Config.HiddenSize;
        for (var i = 0; i < tokenIds.Length; i++)
        {
            var id = tokenIds[i];
            if ((uint)id >= (uint)Config.VocabSize)
            {
                throw new DistInferException($"token id {id} is outside the vocabulary [0, {Config.VocabSize})");
            }

            table.CopyRow(id, hidden.Slice(i * h, h));
        }
    }

    /// <summary>
    /// Runs every layer of the part over hidden[N, H] in place; the caller commits the caches. In bf16 mode the
    /// result is the last residual sum before rounding (the next norm reads it unrounded).
    /// </summary>
    public void RunLayers(BatchLayout layout, float[] hidden, RouterLogitsSink? routerLogits = null)
    {
        BeginStep(layout);
        var n = layout.TotalTokens;
        var h = Config.HiddenSize;
        var normed = ArrayPool<float>.Shared.Rent(n * h);
        var logits = Config.IsMoe ? ArrayPool<float>.Shared.Rent(n * Config.NumExperts) : [];
        try
        {
            for (var l = Weights.Part.FirstLayer; l < Weights.Part.EndLayer; l++)
            {
                AttentionStep(l, layout, hidden, normed);
                if (Weights.Layers[l]!.Moe is { } moe)
                {
                    var routing = MoeRoute(l, hidden, n, normed, logits);
                    routerLogits?.Invoke(l, Config.MoeLayerOrdinal(l), logits.AsSpan(0, n * Config.NumExperts), n);
                    var delta = ArrayPool<float>.Shared.Rent(n * h);
                    try
                    {
                        _moe.Forward(moe, routing, normed, n, delta, l);
                        Ops.AddInPlace(hidden.AsSpan(0, n * h), delta.AsSpan(0, n * h), bf16: false);
                    }
                    finally
                    {
                        ArrayPool<float>.Shared.Return(delta);
                    }
                }
                else
                {
                    DenseMlpStep(l, hidden, n, normed);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(normed);
            if (logits.Length > 0)
            {
                ArrayPool<float>.Shared.Return(logits);
            }
        }
    }

    /// <summary>Prepares caches and RoPE tables for a step; call once before the step's first layer.</summary>
    public void BeginStep(BatchLayout layout)
    {
        layout.Reserve();
        Rope.EnsurePositions(MaxPosition(layout) + 1);
    }

    /// <summary>hidden += attention(input_norm(hidden)); leaves nothing else in <paramref name="scratch"/> worth keeping.</summary>
    public void AttentionStep(int layer, BatchLayout layout, float[] hidden, float[] scratch)
    {
        var n = layout.TotalTokens;
        var h = Config.HiddenSize;
        var w = Weights.Layers[layer] ?? throw new InvalidOperationException($"layer {layer} is not loaded in this process");
        var delta = ArrayPool<float>.Shared.Rent(n * h);
        try
        {
            NormThenRoundResidual(hidden, w.InputNorm, n, scratch);
            _attention.Forward(w, layout, scratch, delta);
            Ops.AddInPlace(hidden.AsSpan(0, n * h), delta.AsSpan(0, n * h), bf16: false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(delta);
        }
    }

    /// <summary>hidden += mlp(post_attention_norm(hidden)) for a dense layer.</summary>
    public void DenseMlpStep(int layer, float[] hidden, int n, float[] normed)
    {
        var h = Config.HiddenSize;
        var w = Weights.Layers[layer]!;
        var delta = ArrayPool<float>.Shared.Rent(n * h);
        try
        {
            NormThenRoundResidual(hidden, w.PostAttentionNorm, n, normed);
            w.Mlp!.Forward(Gemm, normed.AsSpan(0, n * h), n, delta, _bf16);
            Ops.AddInPlace(hidden.AsSpan(0, n * h), delta.AsSpan(0, n * h), bf16: false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(delta);
        }
    }

    /// <summary>Normalises hidden into <paramref name="normed"/> and routes it; the experts then run (here or remotely).</summary>
    public MoeRouting MoeRoute(int layer, float[] hidden, int n, float[] normed, Span<float> routerLogits)
    {
        var w = Weights.Layers[layer]!;
        NormThenRoundResidual(hidden, w.PostAttentionNorm, n, normed);
        return _moe.Route(w.Moe!, normed, n, routerLogits);
    }

    /// <summary>Expert <paramref name="expert"/>'s input block for a routed step.</summary>
    public float[] MoeExpertInput(MoeRouting routing, int expert, float[] normed) => _moe.GatherInput(routing, expert, normed);

    /// <summary>Runs one expert's weights on a block (what an expert grain does).</summary>
    public void RunExpert(SwiGluWeights expert, ReadOnlySpan<float> block, int rows, Span<float> output) => _moe.RunExpert(expert, block, rows, output);

    /// <summary>hidden += combine(expert outputs) (+ shared expert), in the engine's order.</summary>
    public void MoeFinish(int layer, MoeRouting routing, IReadOnlyList<float[]?> expertOutputs, float[] normed, float[] hidden, int n)
    {
        var h = Config.HiddenSize;
        var delta = ArrayPool<float>.Shared.Rent(n * h);
        try
        {
            _moe.Combine(Weights.Layers[layer]!.Moe!, routing, expertOutputs, normed, n, delta);
            Ops.AddInPlace(hidden.AsSpan(0, n * h), delta.AsSpan(0, n * h), bf16: false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(delta);
        }
    }

    /// <summary>
    /// normed = RMSNorm(hidden); then, in bf16 mode, hidden is rounded to bf16 to serve as the residual.
    /// </summary>
    /// <remarks>
    /// Residual adds are left unrounded until the next norm has read them: the norm sees the fp32 sum
    /// residual + delta, as a fused add+RMSNorm computes it, while the residual stream carried on is bf16.
    /// Greedy generation of transformers' bf16 reference (models/demo-moe/reference_generation.json) is
    /// reproduced only this way: rounding the sum before the norm (eager transformers) or never rounding the
    /// residual (fp32 residual stream) both diverge from it at near-ties, on the GPU as well as here.
    /// In fp32 mode this is the plain pre-norm block.
    /// </remarks>
    private void NormThenRoundResidual(float[] hidden, float[] weight, int rows, float[] normed)
    {
        var h = Config.HiddenSize;
        Ops.RmsNormRows(hidden, weight, Config.RmsNormEps, rows, h, normed, _bf16);
        if (_bf16)
        {
            BFloat16.Round(hidden.AsSpan(0, rows * h));
        }
    }

    /// <summary>logits[rows, V] = lm_head(final_norm(hidden rows)).</summary>
    /// <remarks><paramref name="hidden"/> is the unrounded output of <see cref="RunLayers"/>; see NormThenRoundResidual.</remarks>
    public void Head(ReadOnlySpan<float> hidden, int rows, Span<float> logits)
    {
        var head = Weights.LmHead ?? throw new InvalidOperationException("this model part has no head");
        var h = Config.HiddenSize;
        var normed = ArrayPool<float>.Shared.Rent(rows * h);
        try
        {
            Ops.RmsNormRows(hidden, Weights.FinalNorm!, Config.RmsNormEps, rows, h, normed, _bf16);
            head.Forward(Gemm, normed.AsSpan(0, rows * h), rows, logits, _bf16);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(normed);
        }
    }

    /// <summary>
    /// One whole-model step: embed, all layers, commit the caches, and logits for every token
    /// (<paramref name="allPositions"/>) or for each sequence's last token. Returns [rows, V].
    /// </summary>
    public float[] Forward(BatchLayout layout, ReadOnlySpan<int> tokenIds, bool allPositions, RouterLogitsSink? routerLogits = null)
    {
        var logits = new float[(long)LogitRows(layout, allPositions) * Config.VocabSize];
        Forward(layout, tokenIds, allPositions, logits, routerLogits);
        return logits;
    }

    /// <summary>
    /// <see cref="Forward(BatchLayout, ReadOnlySpan{int}, bool, RouterLogitsSink?)"/> into the caller's
    /// <paramref name="logits"/> (at least <see cref="LogitRows"/> × V), so a decode loop can reuse one buffer.
    /// </summary>
    public void Forward(BatchLayout layout, ReadOnlySpan<int> tokenIds, bool allPositions, Span<float> logits, RouterLogitsSink? routerLogits = null)
    {
        var n = layout.TotalTokens;
        if (tokenIds.Length != n)
        {
            throw new ArgumentException($"{tokenIds.Length} token ids for a step of {n} tokens");
        }

        var rows = LogitRows(layout, allPositions);
        if (logits.Length < (long)rows * Config.VocabSize)
        {
            throw new ArgumentException($"logits hold {logits.Length} values, not {rows}x{Config.VocabSize}", nameof(logits));
        }

        var h = Config.HiddenSize;
        var hidden = ArrayPool<float>.Shared.Rent(n * h);
        var last = allPositions ? [] : ArrayPool<float>.Shared.Rent(rows * h);
        try
        {
            Embed(tokenIds, hidden);
            RunLayers(layout, hidden, routerLogits);
            layout.Commit();
            if (allPositions)
            {
                Head(hidden.AsSpan(0, n * h), n, logits);
                return;
            }

            for (var s = 0; s < layout.SequenceCount; s++)
            {
                if (layout.Counts[s] == 0)
                {
                    throw new ArgumentException($"sequence {s} has no tokens in this step");
                }

                hidden.AsSpan((layout.Offsets[s] + layout.Counts[s] - 1) * h, h).CopyTo(last.AsSpan(s * h, h));
            }

            Head(last.AsSpan(0, rows * h), rows, logits);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(hidden);
            if (last.Length > 0)
            {
                ArrayPool<float>.Shared.Return(last);
            }
        }
    }

    /// <summary>Rows of logits a step gives: every token, or one per sequence.</summary>
    public static int LogitRows(BatchLayout layout, bool allPositions) =>
        allPositions ? layout.TotalTokens : layout.SequenceCount;

    private static int MaxPosition(BatchLayout layout)
    {
        var max = 0;
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            max = Math.Max(max, layout.Caches[s].RotaryLength + layout.Counts[s] + 1);
        }

        return max;
    }
}
