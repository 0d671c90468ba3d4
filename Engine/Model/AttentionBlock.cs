using System.Buffers;
using System.Numerics.Tensors;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>
/// Grouped-query causal self-attention over a ragged batch with a KV cache: fused qkv projection, optional q/k
/// norms and clipping, RoPE, cache append, softmax(q·kᵀ·scale)·v per head, output projection.
/// </summary>
public sealed class AttentionBlock(ModelConfig config, RotaryEmbedding rope, IGemm gemm, bool bf16)
{
    // Below this many multiply-adds the attention loop stays on one thread (decode of a short batch).
    private const long ParallelThreshold = 1 << 18;

    private readonly int _qWidth = config.NumHeads * config.HeadDim;
    private readonly int _kvWidth = config.NumKvHeads * config.HeadDim;
    private readonly float _scale = (float)Math.Pow(config.HeadDim, -0.5);

    /// <summary>output[N, H] = attention of the normed hidden rows <paramref name="normed"/>[N, H].</summary>
    public void Forward(LayerWeights layer, BatchLayout layout, float[] normed, float[] output)
    {
        var n = layout.TotalTokens;
        var qkvWidth = _qWidth + 2 * _kvWidth;
        var qkv = ArrayPool<float>.Shared.Rent(n * qkvWidth);
        var attended = ArrayPool<float>.Shared.Rent(n * _qWidth);
        try
        {
            layer.Attention.Qkv.Forward(gemm, normed.AsSpan(0, n * config.HiddenSize), n, qkv, bf16);
            PrepareAndCache(layer, layout, qkv);
            Attend(layer.Index, layout, qkv, attended);
            layer.Attention.Output.Forward(gemm, attended.AsSpan(0, n * _qWidth), n, output, bf16);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(qkv);
            ArrayPool<float>.Shared.Return(attended);
        }
    }

    /// <summary>Norms, clipping and RoPE on q and k; appends k and v to each sequence's cache.</summary>
    private void PrepareAndCache(LayerWeights layer, BatchLayout layout, float[] qkv)
    {
        var d = config.HeadDim;
        var qkvWidth = _qWidth + 2 * _kvWidth;
        var a = layer.Attention;
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            var cache = layout.Caches[s];
            for (var t = 0; t < layout.Counts[s]; t++)
            {
                var row = qkv.AsSpan((layout.Offsets[s] + t) * qkvWidth, qkvWidth);
                var q = row[.._qWidth];
                var k = row.Slice(_qWidth, _kvWidth);
                var v = row.Slice(_qWidth + _kvWidth, _kvWidth);
                if (config.QkNorm == QkNormKind.FullWidth)
                {
                    Ops.RmsNorm(q, a.QNorm!, config.RmsNormEps, q, bf16);
                    Ops.RmsNorm(k, a.KNorm!, config.RmsNormEps, k, bf16);
                }
                else if (config.QkNorm == QkNormKind.PerHead)
                {
                    Ops.RmsNormRows(q, a.QNorm!, config.RmsNormEps, config.NumHeads, d, q, bf16);
                    Ops.RmsNormRows(k, a.KNorm!, config.RmsNormEps, config.NumKvHeads, d, k, bf16);
                }

                if (config.ClipQkv is { } clip)
                {
                    TensorPrimitives.Clamp(row, -clip, clip, row);
                }

                var position = layout.RotaryPositionOf(s, t);
                for (var h = 0; h < config.NumHeads; h++)
                {
                    rope.Apply(q.Slice(h * d, d), position, bf16);
                }

                for (var h = 0; h < config.NumKvHeads; h++)
                {
                    rope.Apply(k.Slice(h * d, d), position, bf16);
                }

                var slot = layout.SlotOf(s, t);
                cache.SetMasked(slot, layout.IsMasked(s, t));
                k.CopyTo(cache.Keys(layer.Index, slot, 1));
                v.CopyTo(cache.Values(layer.Index, slot, 1));
            }
        }
    }

    private void Attend(int layerIndex, BatchLayout layout, float[] qkv, float[] attended)
    {
        var heads = config.NumHeads;
        long work = 0;
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            work += (long)layout.Counts[s] * (layout.Caches[s].Length + layout.Counts[s]) * heads * config.HeadDim;
        }

        var items = layout.SequenceCount * heads;
        if (work < ParallelThreshold || items == 1)
        {
            for (var i = 0; i < items; i++)
            {
                AttendHead(layerIndex, layout, qkv, attended, i / heads, i % heads);
            }
        }
        else
        {
            AttendParallel(layerIndex, layout, qkv, attended, items);
        }
    }

    /// <summary>
    /// (sequence, head) items on the decode helpers, which are already spinning between this layer's products; the
    /// thread pool (woken for every layer) only when all the helpers' slots are taken.
    /// </summary>
    private void AttendParallel(int layerIndex, BatchLayout layout, float[] qkv, float[] attended, int items)
    {
        var heads = config.NumHeads;
        Action<int> body = i => AttendHead(layerIndex, layout, qkv, attended, i / heads, i % heads);
        if (!SkinnyPool.Shared.TryRun(new DelegatePartwiseWork(body), items))
        {
            Parallel.For(0, items, body);
        }
    }

    /// <summary>
    /// Softmax·V as a bf16 flash-attention kernel evaluates it: unnormalised probabilities rounded to bf16 before
    /// the product with V, fp32 accumulation, division by the fp32 sum, output rounded.
    /// </summary>
    private void AccumulateBf16(Span<float> score, ReadOnlySpan<float> values, int group, Span<float> o)
    {
        var d = config.HeadDim;
        var max = TensorPrimitives.Max(score);
        TensorPrimitives.Subtract(score, max, score);
        TensorPrimitives.Exp(score, score);
        var sum = TensorPrimitives.Sum(score);
        BFloat16.Round(score);
        for (var j = 0; j < score.Length; j++)
        {
            if (score[j] != 0f)
            {
                TensorPrimitives.MultiplyAdd(values.Slice(j * _kvWidth + group * d, d), score[j], o, o);
            }
        }

        TensorPrimitives.Divide(o, sum, o);
        BFloat16.Round(o);
    }

    private void AttendHead(int layerIndex, BatchLayout layout, float[] qkv, float[] attended, int s, int h)
    {
        var d = config.HeadDim;
        var qkvWidth = _qWidth + 2 * _kvWidth;
        var group = h / (config.NumHeads / config.NumKvHeads);
        var cache = layout.Caches[s];
        var past = cache.Length;
        var count = layout.Counts[s];
        var keys = cache.Keys(layerIndex, 0, past + count);
        var values = cache.Values(layerIndex, 0, past + count);
        var scores = ArrayPool<float>.Shared.Rent(past + count);
        try
        {
            for (var t = 0; t < count; t++)
            {
                var row = layout.Offsets[s] + t;
                var q = qkv.AsSpan(row * qkvWidth + h * d, d);
                var visible = past + t + 1; // causal: positions 0..past+t
                var score = scores.AsSpan(0, visible);
                var anyVisible = false;
                for (var j = 0; j < visible; j++)
                {
                    // Padding slots are masked out, as transformers' attention mask does.
                    var masked = cache.IsMasked(j);
                    score[j] = masked ? float.NegativeInfinity : TensorPrimitives.Dot(q, keys.Slice(j * _kvWidth + group * d, d)) * _scale;
                    anyVisible |= !masked;
                }

                var o = attended.AsSpan(row * _qWidth + h * d, d);
                o.Clear();
                if (!anyVisible)
                {
                    continue;
                }

                if (bf16)
                {
                    AccumulateBf16(score, values, group, o);
                    continue;
                }

                Ops.Softmax(score);
                for (var j = 0; j < visible; j++)
                {
                    TensorPrimitives.MultiplyAdd(values.Slice(j * _kvWidth + group * d, d), score[j], o, o);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }
}
