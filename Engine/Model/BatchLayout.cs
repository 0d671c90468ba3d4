namespace DistInfer.Engine.Model;

/// <summary>
/// A ragged batch step: sequence s contributes <see cref="Counts"/>[s] new tokens (a prompt for prefill, one for
/// decode; both may mix), laid out one after another as rows of the hidden-state matrix.
/// </summary>
public sealed class BatchLayout
{
    public BatchLayout(IReadOnlyList<SequenceKvCache> caches, IReadOnlyList<int> counts)
    {
        if (caches.Count != counts.Count)
        {
            throw new ArgumentException($"{caches.Count} caches but {counts.Count} token counts");
        }

        Caches = caches;
        Counts = counts;
        Offsets = new int[counts.Count];
        var total = 0;
        for (var s = 0; s < counts.Count; s++)
        {
            if (counts[s] < 0)
            {
                throw new ArgumentException($"sequence {s} has a negative token count");
            }

            Offsets[s] = total;
            total += counts[s];
        }

        TotalTokens = total;
    }

    public IReadOnlyList<SequenceKvCache> Caches { get; }
    public IReadOnlyList<int> Counts { get; }

    /// <summary>First row of each sequence's tokens.</summary>
    public int[] Offsets { get; }

    public int TotalTokens { get; }
    public int SequenceCount => Counts.Count;

    /// <summary>Position of row r's token: the sequence's committed length plus its index in the step.</summary>
    public int PositionOf(int sequence, int indexInStep) => Caches[sequence].Length + indexInStep;

    /// <summary>Grows every cache for this step's tokens.</summary>
    public void Reserve()
    {
        for (var s = 0; s < Counts.Count; s++)
        {
            Caches[s].Reserve(Counts[s]);
        }
    }

    /// <summary>Commits this step's tokens in every cache, once all of the caches' layers ran.</summary>
    public void Commit()
    {
        for (var s = 0; s < Counts.Count; s++)
        {
            Caches[s].Commit(Counts[s]);
        }
    }
}
