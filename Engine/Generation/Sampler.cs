using System.Buffers;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Generation;

/// <summary>
/// Picks one sequence's next token from its logits: greedy argmax, or temperature, min-p, top-k and top-p sampling
/// with its own seeded generator so a seed reproduces the same tokens whatever else is in the batch. A repetition
/// penalty applies to both, over the prompt and the tokens this sampler chose.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingParams _params;
    private readonly Random _random;
    private readonly RepetitionPenalty? _penalty;

    /// <param name="promptIds">The sequence's prompt, which a repetition penalty counts as seen.</param>
    public Sampler(SamplingParams parameters, int sequenceIndex = 0, IReadOnlyList<int>? promptIds = null)
    {
        _params = parameters;
        _random = parameters.Seed is { } seed ? new Random(SeedFor(seed, sequenceIndex)) : new Random();

        // Sampling draws exactly once per token (greedy never), so this is where an earlier run of the sequence stopped.
        for (var i = 0; i < parameters.RandomDrawsToSkip; i++)
        {
            _random.NextDouble();
        }
        _penalty = parameters.RepetitionPenalty != 1f ? new RepetitionPenalty(parameters.RepetitionPenalty, promptIds) : null;
    }

    /// <summary>
    /// The generator's seed for a request seed and a sequence's index in its request: SplitMix64's finaliser over all
    /// 64 bits, kept non-negative. Folding the halves together made -1 and 0 alike, and Random(int) takes the absolute
    /// value, so x and -x were alike too: n choices seeded s, s+1, ... came out identical for some s (review finding).
    /// </summary>
    internal static int SeedFor(ulong seed, int sequenceIndex)
    {
        var z = unchecked(seed + ((ulong)(uint)sequenceIndex * 0x9E3779B97F4A7C15UL) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
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

        // Next leaves the logits as they were but for suppressed stop tokens, which it never chooses: the chosen logit is
        // still the raw one.
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
            ProbabilityOrder.SiftDown(values, ids, i, k);
        }

        for (var i = k; i < logits.Length; i++)
        {
            if (ProbabilityOrder.Before(logits[i], i, values[0], ids[0]))
            {
                values[0] = logits[i];
                ids[0] = i;
                ProbabilityOrder.SiftDown(values, ids, 0, k);
            }
        }

        // Pop the worst kept to the back until the heap is empty: best first.
        var result = new TokenLogprob[k];
        for (var end = k - 1; end >= 0; end--)
        {
            result[end] = new TokenLogprob(ids[0], values[0] - logSumExp);
            values[0] = values[end];
            ids[0] = ids[end];
            ProbabilityOrder.SiftDown(values, ids, 0, end);
        }

        return result;
    }

    /// <summary>
    /// Chooses a token, which counts as seen for the repetition penalty from now on; <paramref name="logits"/> may be
    /// modified (suppressed stop tokens).
    /// </summary>
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

        if (_penalty is null)
        {
            return Choose(logits);
        }

        _penalty.Apply(logits);
        int token;
        try
        {
            token = Choose(logits);
        }
        finally
        {
            _penalty.Restore(logits);
        }

        _penalty.Add(token);
        return token;
    }

    private int Choose(Span<float> logits)
    {
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

    // probs/order end up sorted together (highest probability first, ties by lower id), truncated to what min-p and
    // top-k keep: no comparison delegate, no copy of the vocabulary per token.
    private int SampleFiltered(Span<float> logits, Span<int> order, Span<float> probs)
    {
        var n = logits.Length;
        for (var i = 0; i < n; i++)
        {
            probs[i] = logits[i] / _params.Temperature;
            order[i] = i;
        }

        Ops.Softmax(probs);

        // Both keep a prefix of the sorted order, so the shorter one is what applying them in turn keeps.
        var limit = _params.TopK > 0 ? Math.Min(_params.TopK, n) : n;
        if (_params.MinP > 0)
        {
            limit = Math.Min(limit, AtLeastMinP(probs));
        }

        var keep = limit < n ? ProbabilityOrder.SelectTopK(probs, order, limit) : ProbabilityOrder.SortDescending(probs, order);
        if (_params.TopP < 1f)
        {
            // As transformers and vLLM apply top-p last: the mass is measured on what min-p and top-k kept, renormalised.
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

    /// <summary>How many tokens have at least MinP times the largest probability (at least one: the largest).</summary>
    private int AtLeastMinP(ReadOnlySpan<float> probs)
    {
        var max = 0f;
        foreach (var p in probs)
        {
            max = Math.Max(max, p);
        }

        var threshold = _params.MinP * max;
        var count = 0;
        foreach (var p in probs)
        {
            count += p >= threshold ? 1 : 0;
        }

        return Math.Max(count, 1);
    }
}
