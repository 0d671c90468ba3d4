namespace DistInfer.Engine.Model;

/// <summary>
/// The router's decision for a block of tokens: top-k experts and weights per token, and the same regrouped by
/// expert (ascending expert id, tokens in row order) so each expert runs once over all of its tokens. An expert id
/// of -1 marks an assignment dropped by the capacity factor: that slot contributes nothing to its token.
/// </summary>
public sealed class MoeRouting
{
    public MoeRouting(int tokens, int topK, int experts, int[] expertIds, float[] weights)
    {
        Tokens = tokens;
        TopK = topK;
        ExpertCount = experts;
        ExpertIds = expertIds;
        Weights = weights;
        ExpertOffsets = new int[experts + 1];
        foreach (var e in expertIds.AsSpan(0, tokens * topK))
        {
            if (e >= 0)
            {
                ExpertOffsets[e + 1]++;
            }
        }

        for (var e = 0; e < experts; e++)
        {
            ExpertOffsets[e + 1] += ExpertOffsets[e];
        }

        TokenOrder = new int[tokens * topK];
        TokenWeights = new float[tokens * topK];
        Span<int> fill = experts <= 512 ? stackalloc int[experts] : new int[experts];
        ExpertOffsets.AsSpan(0, experts).CopyTo(fill);
        for (var t = 0; t < tokens; t++)
        {
            for (var k = 0; k < topK; k++)
            {
                var e = expertIds[t * topK + k];
                if (e < 0)
                {
                    continue;
                }

                var slot = fill[e]++;
                TokenOrder[slot] = t;
                TokenWeights[slot] = weights[t * topK + k];
            }
        }
    }

    public int Tokens { get; }
    public int TopK { get; }
    public int ExpertCount { get; }

    /// <summary>[tokens, topK] expert ids, highest probability first.</summary>
    public int[] ExpertIds { get; }

    /// <summary>[tokens, topK] routing weights (renormalised when the config says so).</summary>
    public float[] Weights { get; }

    /// <summary>Expert e's tokens are TokenOrder[ExpertOffsets[e] .. ExpertOffsets[e+1]).</summary>
    public int[] ExpertOffsets { get; }

    public int[] TokenOrder { get; }
    public float[] TokenWeights { get; }

    /// <summary>Assignments dropped by <see cref="WithCapacity"/> (0 when dropless).</summary>
    public int Dropped { get; private init; }

    /// <summary>
    /// Switch-style expert capacity for a block: ceil(factor · tokens · topK / experts), at least 1. A factor of 0 or
    /// less means dropless (int.MaxValue).
    /// </summary>
    public static int Capacity(double factor, int tokens, int topK, int experts) =>
        factor <= 0 ? int.MaxValue : Math.Max(1, (int)Math.Ceiling(factor * tokens * topK / experts));

    /// <summary>
    /// This routing with at most <paramref name="capacity"/> tokens per expert. Assignments are admitted by choice
    /// rank first (every token's first choice before any second choice), then token order, as Switch and GShard do;
    /// the rest are dropped: the token keeps its other experts' contributions and its residual, with no
    /// renormalisation of the weights that remain.
    /// </summary>
    public MoeRouting WithCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        var fits = true;
        for (var e = 0; e < ExpertCount && fits; e++)
        {
            fits = TokenCount(e) <= capacity;
        }

        if (fits)
        {
            return this;
        }

        var ids = (int[])ExpertIds.Clone();
        var used = new int[ExpertCount];
        var dropped = 0;
        for (var k = 0; k < TopK; k++)
        {
            for (var t = 0; t < Tokens; t++)
            {
                ref var e = ref ids[t * TopK + k];
                if (e < 0)
                {
                    continue;
                }

                if (used[e] < capacity)
                {
                    used[e]++;
                }
                else
                {
                    e = -1;
                    dropped++;
                }
            }
        }

        return new MoeRouting(Tokens, TopK, ExpertCount, ids, Weights) { Dropped = dropped };
    }

    public int TokenCount(int expert) => ExpertOffsets[expert + 1] - ExpertOffsets[expert];

    public ReadOnlySpan<int> TokensOf(int expert) => TokenOrder.AsSpan(ExpertOffsets[expert], TokenCount(expert));

    public ReadOnlySpan<float> WeightsOf(int expert) => TokenWeights.AsSpan(ExpertOffsets[expert], TokenCount(expert));
}
