using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>Micro-batches larger than a stage step (<see cref="FabricOptions.MaxStageStepTokens"/>) go as several.</summary>
public sealed partial class FabricBatchExecutor
{
    /// <summary>Logits [sequences, vocab] of the micro-batch, from one stage step or, past the limit, several in order.</summary>
    private async Task<float[]> InStageStepsAsync(long[] ids, int[] counts, int[] tokens, int[] expected)
    {
        var limit = _options.MaxStageStepTokens;
        if (limit <= 0 || tokens.Length <= limit)
        {
            return await ThroughPipelineAsync(new StageStep { SequenceIds = ids, Counts = counts, Tokens = tokens, ExpectedLengths = expected }).ConfigureAwait(false);
        }

        var vocab = VocabSize;
        var logits = LogitsPool.Rent(ids.Length * vocab);
        try
        {
            var sent = new int[ids.Length];
            var offset = 0;
            for (var s = 0; s < ids.Length;)
            {
                var step = NextStageStep(ids, counts, tokens, expected, limit, sent, ref s, ref offset, out var finished);
                var part = await ThroughPipelineAsync(step).ConfigureAwait(false);
                foreach (var (row, sequence) in finished)
                {
                    part.AsSpan(row * vocab, vocab).CopyTo(logits.AsSpan(sequence * vocab, vocab));
                }

                LogitsPool.Return(part);
            }

            return logits;
        }
        catch
        {
            LogitsPool.Return(logits);
            throw;
        }
    }

    /// <summary>
    /// The next stage step of at most <paramref name="limit"/> tokens from sequence <paramref name="s"/> on (its tokens
    /// from <paramref name="offset"/>, <paramref name="sent"/> of them sent before); <paramref name="finished"/> lists
    /// the sequences whose last token it carries, with their row in its logits.
    /// </summary>
    internal static StageStep NextStageStep(long[] ids, int[] counts, int[] tokens, int[] expected, int limit, int[] sent,
        ref int s, ref int offset, out List<(int Row, int Sequence)> finished)
    {
        var stepIds = new List<long>();
        var stepCounts = new List<int>();
        var stepExpected = new List<int>();
        var stepTokens = new List<int>(limit);
        finished = [];
        var budget = limit;
        while (s < ids.Length && budget > 0)
        {
            var take = Math.Min(counts[s] - sent[s], budget);
            stepIds.Add(ids[s]);
            stepCounts.Add(take);

            // A continued sequence's cache holds what it had before this micro-batch plus the chunks sent so far.
            stepExpected.Add(sent[s] == 0 ? expected[s] : Math.Max(expected[s], 0) + sent[s]);
            stepTokens.AddRange(tokens.AsSpan(offset + sent[s], take));
            sent[s] += take;
            budget -= take;
            if (sent[s] < counts[s])
            {
                break;
            }

            finished.Add((stepIds.Count - 1, s));
            offset += counts[s];
            s++;
        }

        return new StageStep { SequenceIds = [.. stepIds], Counts = [.. stepCounts], Tokens = [.. stepTokens], ExpectedLengths = [.. stepExpected] };
    }
}
