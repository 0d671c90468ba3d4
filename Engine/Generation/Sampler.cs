using System.Buffers;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Generation;

/// <summary>
/// Picks one sequence's next token from its logits: greedy argmax, or temperature, top-k and top-p sampling with
/// its own seeded generator so a seed reproduces the same tokens whatever else is in the batch.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingParams _params;
    private readonly Random _random;

    public Sampler(SamplingParams parameters, int sequenceIndex = 0)
    {
        _params = parameters;
        _random = parameters.Seed is { } seed ? new Random(unchecked((int)(seed ^ (seed >> 32)) + sequenceIndex * 7919)) : new Random();
    }

    /// <summary>
    /// Chooses a token as <see cref="Next"/> does and reports its log-probability and, when
    /// <see cref="SamplingParams.TopLogprobs"/> is positive, that many of the most likely tokens. Log-probabilities are
    /// the model's raw distribution (log-softmax of the logits before temperature, top-k, top-p and stop suppression,
    /// as vLLM's default "raw" logprobs), so they do not depend on the sampling settings. <paramref name="logits"/>
    /// may be modified.
    /// </summary>
    public SampledToken Sample(Span<float> logits, bool suppressStop)
    {
        var logSumExp = LogSoftmax.LogSumExp(logits);
        var k = Math.Min(Math.Min(_params.TopLogprobs, SamplingParams.MaxTopLogprobs), logits.Length);
        var top = k > 0 ? TopLogprobs(logits, k, logSumExp) : null;
        var token = Next(logits, suppressStop);

        // Next only overwrites suppressed stop tokens, which it never chooses: the chosen logit is still the raw one.
        return new SampledToken(token, logits[token] - logSumExp, top);
    }

    /// <summary>The k largest logits as log-probabilities, best first, ties by lower id: a heap of k, no sort of the vocabulary.</summary>
    private static TokenLogprob[] TopLogprobs(ReadOnlySpan<float> logits, int k, double logSumExp)
    {
        Span<float> values = stackalloc float[k];
        Span<int> ids = stackalloc int[k];
        for (var i = 0; i < k; i++)
        {
            values[i] = logits[i];
            ids[i] = i;
        }

        for (var i = k / 2 - 1; i >= 0; i--)
        {
            SiftDown(values, ids, i, k);
        }

        for (var i = k; i < logits.Length; i++)
        {
            if (Before(logits[i], i, values[0], ids[0]))
            {
                values[0] = logits[i];
                ids[0] = i;
                SiftDown(values, ids, 0, k);
            }
        }

        // Pop the worst kept to the back until the heap is empty: best first.
        var result = new TokenLogprob[k];
        for (var end = k - 1; end >= 0; end--)
        {
            result[end] = new TokenLogprob(ids[0], values[0] - logSumExp);
            values[0] = values[end];
            ids[0] = ids[end];
            SiftDown(values, ids, 0, end);
        }

        return result;
    }

    /// <summary>Chooses a token; <paramref name="logits"/> may be modified.</summary>
    public int Next(Span<float> logits, bool suppressStop)
    {
        if (suppressStop && _params.StopTokenIds is { } stops)
        {
            foreach (var id in stops)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    logits[id] = float.NegativeInfinity;
                }
            }
        }

        if (_params.IsGreedy)
        {
            return Ops.ArgMax(logits);
        }

        var order = ArrayPool<int>.Shared.Rent(logits.Length);
        var probs = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            return SampleFiltered(logits, order.AsSpan(0, logits.Length), probs.AsSpan(0, logits.Length));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<float>.Shared.Return(probs);
        }
    }

    // probs/order end up sorted together (highest probability first, ties by lower id), truncated to what top-k
    // keeps: no comparison delegate, no copy of the vocabulary per token.
    private int SampleFiltered(Span<float> logits, Span<int> order, Span<float> probs)
    {
        var n = logits.Length;
        for (var i = 0; i < n; i++)
        {
            probs[i] = logits[i] / _params.Temperature;
            order[i] = i;
        }

        Ops.Softmax(probs);
        var keep = _params.TopK > 0 && _params.TopK < n ? SelectTopK(probs, order, _params.TopK) : SortDescending(probs, order);
        if (_params.TopP < 1f)
        {
            // As transformers applies top-p after top-k: the mass is measured on what top-k kept, renormalised.
            var kept = 0.0;
            for (var i = 0; i < keep; i++)
            {
                kept += probs[i];
            }

            var cumulative = 0.0;
            for (var i = 0; i < keep; i++)
            {
                cumulative += probs[i];
                if (cumulative >= _params.TopP * kept)
                {
                    keep = i + 1;
                    break;
                }
            }
        }

        var total = 0.0;
        for (var i = 0; i < keep; i++)
        {
            total += probs[i];
        }

        var target = _random.NextDouble() * total;
        for (var i = 0; i < keep; i++)
        {
            target -= probs[i];
            if (target <= 0)
            {
                return order[i];
            }
        }

        return order[keep - 1];
    }

    private static bool Before(float pa, int a, float pb, int b) => pa != pb ? pa > pb : a < b;

    /// <summary>Sorts all of probs/order, best first; returns the length.</summary>
    private static int SortDescending(Span<float> probs, Span<int> order)
    {
        // Negate so the span sort's ascending order is best first, then put equal probabilities in id order (the
        // span sort is not stable).
        for (var i = 0; i < probs.Length; i++)
        {
            probs[i] = -probs[i];
        }

        probs.Sort(order);
        for (var i = 0; i < probs.Length; i++)
        {
            probs[i] = -probs[i];
        }

        for (var start = 0; start < probs.Length;)
        {
            var end = start + 1;
            while (end < probs.Length && probs[end] == probs[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                order[start..end].Sort();
            }

            start = end;
        }

        return probs.Length;
    }

    /// <summary>Moves the best k entries to the front of probs/order, sorted best first; returns k.</summary>
    private static int SelectTopK(Span<float> probs, Span<int> order, int k)
    {
        // A min-heap of the best k seen so far at the front (root = worst kept), O(n log k).
        for (var i = k / 2 - 1; i >= 0; i--)
        {
            SiftDown(probs, order, i, k);
        }

        for (var i = k; i < probs.Length; i++)
        {
            if (Before(probs[i], order[i], probs[0], order[0]))
            {
                probs[0] = probs[i];
                order[0] = order[i];
                SiftDown(probs, order, 0, k);
            }
        }

        // Heap sort the kept k: repeatedly move the worst to the end of the kept range.
        for (var end = k - 1; end > 0; end--)
        {
            (probs[0], probs[end]) = (probs[end], probs[0]);
            (order[0], order[end]) = (order[end], order[0]);
            SiftDown(probs, order, 0, end);
        }

        return k;
    }

    private static void SiftDown(Span<float> probs, Span<int> order, int root, int count)
    {
        while (true)
        {
            var worst = root;
            var left = 2 * root + 1;
            var right = left + 1;
            if (left < count && Before(probs[worst], order[worst], probs[left], order[left]))
            {
                worst = left;
            }

            if (right < count && Before(probs[worst], order[worst], probs[right], order[right]))
            {
                worst = right;
            }

            if (worst == root)
            {
                return;
            }

            (probs[root], probs[worst]) = (probs[worst], probs[root]);
            (order[root], order[worst]) = (order[worst], order[root]);
            root = worst;
        }
    }
}
