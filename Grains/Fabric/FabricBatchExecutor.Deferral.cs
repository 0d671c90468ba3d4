using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// A stage with no room for new sequences' KV caches (<see cref="StageFullException"/>: GPU slots, or
/// <see cref="FabricOptions.StageMaxSequences"/>) refuses a step before touching a cache. Retrying the whole step
/// with a re-prefill, as after a fault, failed every running sequence beside the new ones once the recovery window
/// ran out; instead the step runs without its new sequences, which go back to the batcher's queue.
/// </summary>
public sealed partial class FabricBatchExecutor
{
    /// <summary>Logits [sequences, vocab] with the rows of the <paramref name="fresh"/> sequences unset: those are deferred.</summary>
    private async Task<float[]> WithoutFreshAsync(long[] ids, int[] counts, int[] tokens, int[] expected, bool[] fresh, List<long> deferred, CancellationToken cancellationToken)
    {
        var rows = new List<int>();
        var keptTokens = new List<int>();
        var releases = new List<Task>();
        var offset = 0;
        for (var s = 0; s < ids.Length; s++)
        {
            if (fresh[s])
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
            // The others' expected lengths roll back whatever the refused step committed on the stages before the full one.
            var part = await RunSequencesAsync([.. rows.Select(r => ids[r])], [.. rows.Select(r => counts[r])], [.. keptTokens],
                [.. rows.Select(r => expected[r])], null, cancellationToken).ConfigureAwait(false);
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
