using System.Buffers;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>Top-k gating as transformers computes it: logits, softmax in fp32, top-k, optional renormalisation.</summary>
public static class MoeRouter
{
    /// <summary>
    /// Routes <paramref name="rows"/> normed token rows; writes the raw router logits [rows, E] into
    /// <paramref name="logits"/> (what output_router_logits returns).
    /// </summary>
    /// <remarks>
    /// With <paramref name="bf16"/> the logits are bf16 values, as in a bf16 model; the weights too where the
    /// architecture's router casts them to the model dtype (<see cref="ModelConfig.RoutingWeightsInModelDType"/>).
    /// </remarks>
    public static MoeRouting Route(ModelConfig config, LinearWeight router, IGemm gemm, ReadOnlySpan<float> x, int rows, Span<float> logits, bool bf16 = false)
    {
        router.Forward(gemm, x, rows, logits, bf16);
        return FromLogits(config, logits[..(rows * config.NumExperts)], rows, bf16);
    }

    public static MoeRouting FromLogits(ModelConfig config, ReadOnlySpan<float> logits, int rows, bool bf16 = false)
    {
        var e = config.NumExperts;
        var k = config.TopK;
        var ids = new int[rows * k];
        var weights = new float[rows * k];
        var probs = ArrayPool<float>.Shared.Rent(e);
        try
        {
            for (var t = 0; t < rows; t++)
            {
                var p = probs.AsSpan(0, e);
                logits.Slice(t * e, e).CopyTo(p);
                Ops.Softmax(p);
                SelectTopK(p, ids.AsSpan(t * k, k), weights.AsSpan(t * k, k));
                if (config.NormTopKProb)
                {
                    var w = weights.AsSpan(t * k, k);
                    var sum = 0f;
                    foreach (var v in w)
                    {
                        sum += v;
                    }

                    for (var i = 0; i < k; i++)
                    {
                        w[i] /= sum;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(probs);
        }

        if (bf16 && config.RoutingWeightsInModelDType)
        {
            BFloat16.Round(weights);
        }

        return new MoeRouting(rows, k, e, ids, weights);
    }

    /// <summary>The k largest probabilities, largest first; the lower index wins ties.</summary>
    private static void SelectTopK(ReadOnlySpan<float> probs, Span<int> ids, Span<float> values)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            var best = -1;
            var bestValue = float.NegativeInfinity;
            for (var j = 0; j < probs.Length; j++)
            {
                if ((probs[j] > bestValue || best < 0) && !ids[..i].Contains(j))
                {
                    best = j;
                    bestValue = probs[j];
                }
            }

            ids[i] = best;
            values[i] = bestValue;
        }
    }
}
