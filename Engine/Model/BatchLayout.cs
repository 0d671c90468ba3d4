namespace DistInfer.Engine.Model;

/// <summary>
/// A ragged batch step: sequence s contributes <see cref="Counts"/>[s] new tokens (a prompt for prefill, one for
/// decode; both may mix), laid out one after another as rows of the hidden-state matrix.
/// </summary>
public sealed class BatchLayout
{
    /// <param name="masked">Optional per-row flags: a masked row (padding) is never attended to.</param>
    public BatchLayout(IReadOnlyList<SequenceKvCache> caches, IReadOnlyList<int> counts, bool[]? masked = null)
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
        if (masked is not null && masked.Length != total)
        {
            throw new ArgumentException($"{masked.Length} mask flags for {total} tokens");
        }

        Masked = masked;
    }

    /// <summary>Per-row padding flags, or null when nothing is masked.</summary>
    public bool[]? Masked { get; }

    public IReadOnlyList<SequenceKvCache> Caches { get; }
    public IReadOnlyList<int> Counts { get; }

    /// <summary>First row of each sequence's tokens.</summary>
    public int[] Offsets { get; }

    public int TotalTokens { get; }
    public int SequenceCount => Counts.Count;

    /// <summary>Cache slot of a step token: the sequence's committed length plus its index in the step.</summary>
    public int SlotOf(int sequence, int indexInStep) => Caches[sequence].Length + indexInStep;

    public bool IsMasked(int sequence, int indexInStep) => Masked is { } m && m[Offsets[sequence] + indexInStep];

    /// <summary>
    /// RoPE position of a step token: unmasked tokens before it; masked tokens get 1, as transformers'
    /// cumsum-of-mask position ids do.
    /// </summary>
    public int RotaryPositionOf(int sequence, int indexInStep)
    {
        if (IsMasked(sequence, indexInStep))
        {
            return 1;
        }

        var position = Caches[sequence].RotaryLength;
        for (var t = 0; t < indexInStep; t++)
        {
            position += IsMasked(sequence, t) ? 0 : 1;
        }

        return position;
    }

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
