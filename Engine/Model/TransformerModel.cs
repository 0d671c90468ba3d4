using System.Buffers;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;

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

    public TransformerModel(ModelWeights weights, IGemm gemm)
    {
        Weights = weights;
        Config = weights.Config;
        Gemm = gemm;
        Rope = new RotaryEmbedding(Config.HeadDim, Config.RopeTheta);
        _attention = new AttentionBlock(Config, Rope, gemm);
        _moe = new MoeBlock(Config, gemm);
    }

    public ModelConfig Config { get; }
    public ModelWeights Weights { get; }
    public IGemm Gemm { get; }
    public RotaryEmbedding Rope { get; }

    /// <summary>Loads config.json and the checkpoint of <paramref name="modelDir"/>.</summary>
    public static TransformerModel Load(string modelDir, IGemm gemm, ModelPart? part = null)
    {
        var config = ModelConfigReader.Load(modelDir);
        using var source = Checkpoint.Open(modelDir);
        return new TransformerModel(WeightLoader.Load(source, config, part), gemm);
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

            table.AsSpan(id * h, h).CopyTo(hidden.Slice(i * h, h));
        }
    }

    /// <summary>Runs every layer of the part over hidden[N, H] in place; the caller commits the caches.</summary>
    public void RunLayers(BatchLayout layout, float[] hidden, RouterLogitsSink? routerLogits = null)
    {
        layout.Reserve();
        Rope.EnsurePositions(MaxPosition(layout) + 1);
        var n = layout.TotalTokens;
        var h = Config.HiddenSize;
        var normed = ArrayPool<float>.Shared.Rent(n * h);
        var delta = ArrayPool<float>.Shared.Rent(n * h);
        var logits = Config.IsMoe ? ArrayPool<float>.Shared.Rent(n * Config.NumExperts) : [];
        try
        {
            for (var l = Weights.Part.FirstLayer; l < Weights.Part.EndLayer; l++)
            {
                var layer = Weights.Layers[l]!;
                Ops.RmsNormRows(hidden, layer.InputNorm, Config.RmsNormEps, n, h, normed);
                _attention.Forward(layer, layout, normed, delta);
                AddInPlace(hidden, delta, n * h);
                Ops.RmsNormRows(hidden, layer.PostAttentionNorm, Config.RmsNormEps, n, h, normed);
                if (layer.Moe is { } moe)
                {
                    _moe.Forward(moe, normed, n, delta, logits);
                    routerLogits?.Invoke(l, Config.MoeLayerOrdinal(l), logits.AsSpan(0, n * Config.NumExperts), n);
                }
                else
                {
                    layer.Mlp!.Forward(Gemm, normed.AsSpan(0, n * h), n, delta);
                }

                AddInPlace(hidden, delta, n * h);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(normed);
            ArrayPool<float>.Shared.Return(delta);
            if (logits.Length > 0)
            {
                ArrayPool<float>.Shared.Return(logits);
            }
        }
    }

    /// <summary>logits[rows, V] = lm_head(final_norm(hidden rows)).</summary>
    public void Head(ReadOnlySpan<float> hidden, int rows, Span<float> logits)
    {
        var head = Weights.LmHead ?? throw new InvalidOperationException("this model part has no head");
        var h = Config.HiddenSize;
        var normed = ArrayPool<float>.Shared.Rent(rows * h);
        try
        {
            Ops.RmsNormRows(hidden, Weights.FinalNorm!, Config.RmsNormEps, rows, h, normed);
            head.Forward(Gemm, normed.AsSpan(0, rows * h), rows, logits);
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
        var n = layout.TotalTokens;
        if (tokenIds.Length != n)
        {
            throw new ArgumentException($"{tokenIds.Length} token ids for a step of {n} tokens");
        }

        var h = Config.HiddenSize;
        var hidden = new float[n * h];
        Embed(tokenIds, hidden);
        RunLayers(layout, hidden, routerLogits);
        layout.Commit();
        if (allPositions)
        {
            var all = new float[(long)n * Config.VocabSize];
            Head(hidden, n, all);
            return all;
        }

        var last = new float[layout.SequenceCount * h];
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            if (layout.Counts[s] == 0)
            {
                throw new ArgumentException($"sequence {s} has no tokens in this step");
            }

            hidden.AsSpan((layout.Offsets[s] + layout.Counts[s] - 1) * h, h).CopyTo(last.AsSpan(s * h, h));
        }

        var logits = new float[(long)layout.SequenceCount * Config.VocabSize];
        Head(last, layout.SequenceCount, logits);
        return logits;
    }

    private static int MaxPosition(BatchLayout layout)
    {
        var max = 0;
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            max = Math.Max(max, layout.Caches[s].RotaryLength + layout.Counts[s] + 1);
        }

        return max;
    }

    private static void AddInPlace(float[] x, float[] delta, int length) =>
        System.Numerics.Tensors.TensorPrimitives.Add(x.AsSpan(0, length), delta.AsSpan(0, length), x.AsSpan(0, length));
}
