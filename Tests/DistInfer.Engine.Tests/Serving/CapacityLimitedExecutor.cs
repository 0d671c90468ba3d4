using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>
/// A local executor that holds at most <paramref name="capacity"/> sequences, as a full stage: a step's new sequences
/// beyond that are deferred (the step runs for the others), the way the fabric's executor answers a full stage.
/// </summary>
internal sealed class CapacityLimitedExecutor(LocalBatchExecutor inner, int capacity) : IBatchExecutor
{
    public int VocabSize => inner.VocabSize;

    /// <summary>Most sequences held at once so far.</summary>
    public int MostHeld { get; private set; }

    /// <summary>Each step's sequence ids and those it deferred, in order.</summary>
    public List<(long[] Ids, long[] Deferred)> Steps { get; } = [];

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        var room = capacity - inner.LiveSequences;
        var kept = new List<int>();
        var deferred = new List<long>();
        var offsets = new int[step.SequenceIds.Length + 1];
        for (var s = 0; s < step.SequenceIds.Length; s++)
        {
            offsets[s + 1] = offsets[s] + step.Counts[s];
            var held = inner.Holds(step.SequenceIds[s]);
            if (held || room-- > 0)
            {
                kept.Add(s);
            }
            else
            {
                deferred.Add(step.SequenceIds[s]);
            }
        }

        Steps.Add((step.SequenceIds, [.. deferred]));
        if (deferred.Count == 0)
        {
            var all = await inner.ForwardAsync(step, cancellationToken);
            MostHeld = Math.Max(MostHeld, inner.LiveSequences);
            return all;
        }

        var vocab = VocabSize;
        var logits = new float[step.SequenceIds.Length * vocab];
        if (kept.Count > 0)
        {
            var part = await inner.ForwardAsync(
                new BatchStep([.. kept.Select(s => step.SequenceIds[s])], [.. kept.Select(s => step.Counts[s])], [.. kept.SelectMany(s => step.Tokens[offsets[s]..offsets[s + 1]])]),
                cancellationToken);
            for (var r = 0; r < kept.Count; r++)
            {
                part.AsSpan(r * vocab, vocab).CopyTo(logits.AsSpan(kept[r] * vocab, vocab));
            }
        }

        MostHeld = Math.Max(MostHeld, inner.LiveSequences);
        throw new SequencesDeferredException("full", deferred, logits);
    }

    public ValueTask ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
