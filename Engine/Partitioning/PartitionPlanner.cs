using DistInfer.Engine.Config;

namespace DistInfer.Engine.Partitioning;

/// <summary>
/// Splits a model into pipeline stages of contiguous layers so that the largest stage holds as few parameter bytes
/// as possible (experts counted with their layer, since they need memory somewhere near it).
/// </summary>
public static class PartitionPlanner
{
    public static IReadOnlyList<StagePlan> Plan(ModelConfig config, int stages, int bytesPerParameter = 4)
    {
        if (stages < 1 || stages > config.NumLayers)
        {
            throw new DistInferException($"stages must be between 1 and the model's {config.NumLayers} layers (got {stages})");
        }

        var layers = config.NumLayers;
        var cost = new long[layers];
        for (var l = 0; l < layers; l++)
        {
            cost[l] = LayerParameters(config, l) * bytesPerParameter;
        }

        cost[0] += EmbeddingParameters(config) * bytesPerParameter;
        cost[^1] += HeadParameters(config) * bytesPerParameter;
        var cuts = MinMaxCuts(cost, stages);
        var plans = new List<StagePlan>(stages);
        for (var s = 0; s < stages; s++)
        {
            long bytes = 0;
            for (var l = cuts[s]; l < cuts[s + 1]; l++)
            {
                bytes += cost[l];
            }

            plans.Add(new StagePlan(s, cuts[s], cuts[s + 1], s == 0, s == stages - 1, bytes));
        }

        return plans;
    }

    /// <summary>Parameters of one decoder layer: attention, norms, and its MLP or all of its experts.</summary>
    public static long LayerParameters(ModelConfig c, int layer)
    {
        long h = c.HiddenSize;
        long q = (long)c.NumHeads * c.HeadDim;
        long kv = (long)c.NumKvHeads * c.HeadDim;
        var n = h * (q + 2 * kv) + q * h + 2 * h;
        if (c.AttentionBias)
        {
            n += q + 2 * kv;
        }

        n += c.QkNorm switch { QkNormKind.PerHead => 2L * c.HeadDim, QkNormKind.FullWidth => q + kv, _ => 0 };
        if (c.MoeLayers[layer])
        {
            n += c.NumExperts * h + c.NumExperts * ExpertParameters(c);
            if (c.SharedExpertIntermediateSize > 0)
            {
                n += 3 * h * c.SharedExpertIntermediateSize + h;
            }
        }
        else
        {
            n += 3 * h * c.IntermediateSize;
        }

        return n;
    }

    public static long ExpertParameters(ModelConfig c) => 3L * c.HiddenSize * c.ExpertIntermediateSize;

    public static long EmbeddingParameters(ModelConfig c) => (long)c.VocabSize * c.HiddenSize;

    public static long HeadParameters(ModelConfig c) => (c.TieWordEmbeddings ? 0 : (long)c.VocabSize * c.HiddenSize) + c.HiddenSize;

    /// <summary>Boundaries b[0]=0 &lt; ... &lt; b[k]=n minimising the largest segment sum (dynamic programming).</summary>
    private static int[] MinMaxCuts(long[] cost, int parts)
    {
        var n = cost.Length;
        var prefix = new long[n + 1];
        for (var i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + cost[i];
        }

        // best[p, i]: the smallest possible largest segment when the first i layers form p segments.
        var best = new long[parts + 1, n + 1];
        var choice = new int[parts + 1, n + 1];
        for (var i = 0; i <= n; i++)
        {
            best[1, i] = prefix[i];
        }

        for (var p = 2; p <= parts; p++)
        {
            for (var i = p; i <= n; i++)
            {
                best[p, i] = long.MaxValue;
                for (var j = p - 1; j < i; j++)
                {
                    var candidate = Math.Max(best[p - 1, j], prefix[i] - prefix[j]);
                    if (candidate < best[p, i])
                    {
                        best[p, i] = candidate;
                        choice[p, i] = j;
                    }
                }
            }
        }

        var cuts = new int[parts + 1];
        cuts[parts] = n;
        for (var p = parts; p > 1; p--)
        {
            cuts[p - 1] = choice[p, cuts[p]];
        }

        return cuts;
    }
}
