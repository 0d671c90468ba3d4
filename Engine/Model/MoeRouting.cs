namespace DistInfer.Engine.Model;

/// <summary>
/// The router's decision for a block of tokens: top-k experts and weights per token, and the same regrouped by
/// expert (ascending expert id, tokens in row order) so each expert runs once over all of its tokens.
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
            ExpertOffsets[e + 1]++;
        }

        for (var e = 0; e < experts; e++)
        {
            ExpertOffsets[e + 1] += ExpertOffsets[e];
        }

        TokenOrder = new int[tokens * topK];
        TokenWeights = new float[tokens * topK];
        var fill = ExpertOffsets[..^1];
        for (var t = 0; t < tokens; t++)
        {
            for (var k = 0; k < topK; k++)
            {
                var e = expertIds[t * topK + k];
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

    public int TokenCount(int expert) => ExpertOffsets[expert + 1] - ExpertOffsets[expert];

    public ReadOnlySpan<int> TokensOf(int expert) => TokenOrder.AsSpan(ExpertOffsets[expert], TokenCount(expert));

    public ReadOnlySpan<float> WeightsOf(int expert) => TokenWeights.AsSpan(ExpertOffsets[expert], TokenCount(expert));
}
