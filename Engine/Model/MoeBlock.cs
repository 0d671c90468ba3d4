using System.Buffers;
using System.Numerics.Tensors;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>
/// A sparse MoE layer run in-process: route, then for each expert (ascending id) gather its tokens into one block,
/// run one SwiGLU over the block, and add weight·output into each token's row. Tokens therefore sum their
/// experts in ascending expert order — the order the fabric's router reproduces. Then the shared expert.
/// </summary>
public sealed class MoeBlock(ModelConfig config, IGemm gemm)
{
    public void Forward(MoeWeights moe, float[] x, int rows, float[] output, Span<float> routerLogits)
    {
        var h = config.HiddenSize;
        var routing = MoeRouter.Route(config, moe.Router, gemm, x.AsSpan(0, rows * h), rows, routerLogits);
        output.AsSpan(0, rows * h).Clear();
        var capacity = 0;
        for (var e = 0; e < config.NumExperts; e++)
        {
            capacity = Math.Max(capacity, routing.TokenCount(e));
        }

        var block = ArrayPool<float>.Shared.Rent(Math.Max(1, capacity * h));
        var result = ArrayPool<float>.Shared.Rent(Math.Max(1, capacity * h));
        try
        {
            for (var e = 0; e < config.NumExperts; e++)
            {
                var tokens = routing.TokensOf(e);
                if (tokens.IsEmpty)
                {
                    continue;
                }

                var expert = moe.Experts[e]
                    ?? throw new InvalidOperationException($"expert {e} is not loaded in this process");
                Gather(x, tokens, h, block);
                expert.Forward(gemm, block.AsSpan(0, tokens.Length * h), tokens.Length, result);
                ScatterAdd(result, tokens, routing.WeightsOf(e), h, output);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(block);
            ArrayPool<float>.Shared.Return(result);
        }

        if (moe.SharedExpert is { } shared)
        {
            AddSharedExpert(shared, moe.SharedExpertGate!, x, rows, output);
        }
    }

    /// <summary>Copies the listed token rows of <paramref name="x"/> into a contiguous block.</summary>
    public static void Gather(ReadOnlySpan<float> x, ReadOnlySpan<int> tokens, int width, Span<float> block)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            x.Slice(tokens[i] * width, width).CopyTo(block.Slice(i * width, width));
        }
    }

    /// <summary>output[token] += weight · result[i] for each of an expert's tokens.</summary>
    public static void ScatterAdd(ReadOnlySpan<float> result, ReadOnlySpan<int> tokens, ReadOnlySpan<float> weights, int width, Span<float> output)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            var dst = output.Slice(tokens[i] * width, width);
            TensorPrimitives.MultiplyAdd(result.Slice(i * width, width), weights[i], dst, dst);
        }
    }

    private void AddSharedExpert(SwiGluWeights shared, LinearWeight gate, float[] x, int rows, float[] output)
    {
        var h = config.HiddenSize;
        var y = ArrayPool<float>.Shared.Rent(rows * h);
        var g = ArrayPool<float>.Shared.Rent(rows);
        try
        {
            shared.Forward(gemm, x.AsSpan(0, rows * h), rows, y);
            gate.Forward(gemm, x.AsSpan(0, rows * h), rows, g);
            TensorPrimitives.Sigmoid(g.AsSpan(0, rows), g.AsSpan(0, rows));
            for (var r = 0; r < rows; r++)
            {
                var dst = output.AsSpan(r * h, h);
                TensorPrimitives.MultiplyAdd(y.AsSpan(r * h, h), g[r], dst, dst);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(y);
            ArrayPool<float>.Shared.Return(g);
        }
    }
}
