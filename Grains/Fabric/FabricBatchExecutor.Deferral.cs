using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// A stage with no room for new sequences' KV caches (<see cref="StageFullException"/>: GPU slots, or
/// <see cref="FabricOptions.StageMaxSequences"/>) refuses a step before touching a cache. Retrying the whole step
/// with a re-prefill, as after a fault, failed every running sequence beside the new ones once the recovery window
/// ran out; instead the step runs with as many of its new sequences as the stage has room for, and the others go
/// back to the batcher's queue.
/// </summary>
public sealed partial class FabricBatchExecutor
{
    /// <summary>
    /// Logits [sequences, vocab] of the step run with the first <paramref name="room"/> of its <paramref name="fresh"/>
    /// sequences (fewer than there are, so each refusal leaves out more) and without the rest, whose rows stay unset:
    /// those are listed in <paramref name="deferred"/>.
    /// </summary>
    private async Task<float[]> WithFewerFreshAsync(long[] ids, int[] counts, int[] tokens, int[] expected, bool[] fresh, int room, List<long> deferred, DateTime deadline, CancellationToken cancellationToken)
    {
        var freshCount = 0;
        foreach (var f in fresh)
        {
            freshCount += f ? 1 : 0;
        }

        var keep = Math.Clamp(room, 0, freshCount - 1);
        var rows = new List<int>();
        var keptTokens = new List<int>();
        var releases = new List<Task>();
        var offset = 0;
        for (var s = 0; s < ids.Length; s++)
        {
            if (fresh[s] && keep-- <= 0)
            {
                // Stages before the full one may have made its caches: the step ran there.
                releases.Add(ReleaseAsync(ids[s]).AsTask());
                lock (deferred)
                {
                    deferred.Add(ids[s]);
                }
            }
            else
            {
                rows.Add(s);
                keptTokens.AddRange(tokens.AsSpan(offset, counts[s]));
            }

            offset += counts[s];
        }

        await Task.WhenAll(releases).ConfigureAwait(false);
        var vocab = VocabSize;
        var logits = LogitsPool.Rent(ids.Length * vocab);
        if (rows.Count == 0)
        {
            return logits;
        }

        try
        {
            // The kept ones' expected lengths roll back whatever the refused step committed on the stages before the
            // full one: a new sequence's 0, not -1, empties a cache an earlier stage (or an earlier chunk) made, which
            // -1 would have appended its prompt to again. A stage may refuse again (another gateway took room
            // meanwhile) and leaves out more then.
            var part = await RunSequencesAsync([.. rows.Select(r => ids[r])], [.. rows.Select(r => counts[r])], [.. keptTokens],
                [.. rows.Select(r => fresh[r] ? 0 : expected[r])], [.. rows.Select(r => fresh[r])], deferred, deadline, cancellationToken).ConfigureAwait(false);
            for (var r = 0; r < rows.Count; r++)
            {
                part.AsSpan(r * vocab, vocab).CopyTo(logits.AsSpan(rows[r] * vocab, vocab));
            }

            LogitsPool.Return(part);
            return logits;
        }
        catch
        {
            LogitsPool.Return(logits);
            throw;
        }
    }

    private static SequencesDeferredException Deferred(List<long> deferred, float[] logits) =>
        new($"{deferred.Count} new sequence(s) wait: a stage holds as many KV caches as it may", [.. deferred], logits);
}
