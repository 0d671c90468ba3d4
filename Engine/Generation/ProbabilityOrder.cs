namespace DistInfer.Engine.Generation;

/// <summary>
/// Orders probabilities (or logits) with their token ids in place, best first and ties by lower id, without a
/// comparison delegate: the sampler's sort, top-k selection and heap.
/// </summary>
internal static class ProbabilityOrder
{
    public static bool Before(float pa, int a, float pb, int b) => pa != pb ? pa > pb : a < b;

    /// <summary>Sorts all of probs/order, best first; returns the length.</summary>
    public static int SortDescending(Span<float> probs, Span<int> order)
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
    public static int SelectTopK(Span<float> probs, Span<int> order, int k)
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

    public static void SiftDown(Span<float> probs, Span<int> order, int root, int count)
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
