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

    private int SampleFiltered(Span<float> logits, Span<int> order, Span<float> probs)
    {
        var n = logits.Length;
        for (var i = 0; i < n; i++)
        {
            probs[i] = logits[i] / _params.Temperature;
            order[i] = i;
        }

        Ops.Softmax(probs);
        // Sort token ids by probability, highest first; ties keep the lower id first.
        var keys = probs.ToArray();
        order.Sort((a, b) => keys[b] != keys[a] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
        var keep = _params.TopK > 0 ? Math.Min(_params.TopK, n) : n;
        if (_params.TopP < 1f)
        {
            // As transformers applies top-p after top-k: the mass is measured on what top-k kept, renormalised.
            var kept = 0.0;
            for (var i = 0; i < keep; i++)
            {
                kept += keys[order[i]];
            }

            var cumulative = 0.0;
            for (var i = 0; i < keep; i++)
            {
                cumulative += keys[order[i]];
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
            total += keys[order[i]];
        }

        var target = _random.NextDouble() * total;
        for (var i = 0; i < keep; i++)
        {
            target -= keys[order[i]];
            if (target <= 0)
            {
                return order[i];
            }
        }

        return order[keep - 1];
    }
}
