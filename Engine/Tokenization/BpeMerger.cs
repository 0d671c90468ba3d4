using System.Buffers;
using System.Collections.Frozen;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Applies BPE merges to a word given as symbol ids: repeatedly merges the adjacent pair with the lowest rank,
/// the leftmost one on ties, until no pair has a merge rule (the order the tokenizers library uses).
/// </summary>
internal sealed class BpeMerger
{
    /// <summary>Up to this many symbols a rescanning array beats a heap; beyond it the heap keeps long words O(n log n).</summary>
    public const int SmallWordLimit = 128;

    private readonly FrozenDictionary<long, MergeRule> _rules;

    public BpeMerger(Dictionary<long, MergeRule> rules)
    {
        _rules = rules.ToFrozenDictionary();
    }

    public int Count => _rules.Count;

    public static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Merges <paramref name="symbols"/> in place; returns how many symbols remain at its start.</summary>
    public int Merge(Span<int> symbols) =>
        symbols.Length <= SmallWordLimit ? MergeSmall(symbols) : MergeLarge(symbols);

    internal int MergeSmall(Span<int> symbols)
    {
        var n = symbols.Length;
        if (n < 2)
        {
            return n;
        }

        // ranks[i] / ids[i] describe the pair (symbols[i], symbols[i + 1]).
        Span<int> ranks = n <= SmallWordLimit ? stackalloc int[n] : new int[n];
        Span<int> ids = n <= SmallWordLimit ? stackalloc int[n] : new int[n];
        for (var i = 0; i < n - 1; i++)
        {
            Lookup(symbols[i], symbols[i + 1], out ranks[i], out ids[i]);
        }

        while (n > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < n - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            symbols[best] = ids[best];
            symbols[(best + 2)..n].CopyTo(symbols[(best + 1)..]);
            if (n - best - 3 > 0)
            {
                ranks[(best + 2)..(n - 1)].CopyTo(ranks[(best + 1)..]);
                ids[(best + 2)..(n - 1)].CopyTo(ids[(best + 1)..]);
            }

            n--;
            if (best > 0)
            {
                Lookup(symbols[best - 1], symbols[best], out ranks[best - 1], out ids[best - 1]);
            }

            if (best < n - 1)
            {
                Lookup(symbols[best], symbols[best + 1], out ranks[best], out ids[best]);
            }
        }

        return n;
    }

    internal int MergeLarge(Span<int> symbols)
    {
        var n = symbols.Length;
        if (n < 2)
        {
            return n;
        }

        var next = ArrayPool<int>.Shared.Rent(n);
        var prev = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var queue = new PriorityQueue<(int Pos, int Left, int Right, int Id), long>(n);
            for (var i = 0; i < n; i++)
            {
                next[i] = i + 1 < n ? i + 1 : -1;
                prev[i] = i - 1;
            }

            for (var i = 0; i < n - 1; i++)
            {
                Enqueue(queue, i, symbols[i], symbols[i + 1]);
            }

            while (queue.TryDequeue(out var pair, out _))
            {
                // Entries go stale when a neighbour merged first; they no longer describe two adjacent live symbols.
                var p = pair.Pos;
                var q = next[p];
                if (symbols[p] != pair.Left || q < 0 || symbols[q] != pair.Right)
                {
                    continue;
                }

                symbols[p] = pair.Id;
                symbols[q] = -1;
                next[p] = next[q];
                if (next[q] >= 0)
                {
                    prev[next[q]] = p;
                }

                if (prev[p] >= 0)
                {
                    Enqueue(queue, prev[p], symbols[prev[p]], symbols[p]);
                }

                if (next[p] >= 0)
                {
                    Enqueue(queue, p, symbols[p], symbols[next[p]]);
                }
            }

            var count = 0;
            for (var i = 0; i >= 0; i = next[i])
            {
                symbols[count++] = symbols[i];
            }

            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(prev);
        }
    }

    private void Enqueue(PriorityQueue<(int Pos, int Left, int Right, int Id), long> queue, int pos, int left, int right)
    {
        if (_rules.TryGetValue(Key(left, right), out var rule))
        {
            queue.Enqueue((pos, left, right, rule.Id), ((long)rule.Rank << 32) | (uint)pos);
        }
    }

    private void Lookup(int left, int right, out int rank, out int id)
    {
        if (_rules.TryGetValue(Key(left, right), out var rule))
        {
            rank = rule.Rank;
            id = rule.Id;
        }
        else
        {
            rank = int.MaxValue;
            id = -1;
        }
    }
}
