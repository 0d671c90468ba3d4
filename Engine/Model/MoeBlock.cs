using System.Buffers;
using System.Numerics.Tensors;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>
/// A sparse MoE layer run in-process: route, then for each expert (ascending id) gather its tokens into one block,
/// run one SwiGLU over the block, and add weight·output into each token's row. Tokens therefore sum their
/// experts in ascending expert order — the order the fabric's router reproduces. Then the shared expert.
/// In bf16 mode the routed sum is kept in fp32 and rounded once, before the shared expert is added.
/// </summary>
public sealed class MoeBlock(ModelConfig config, IGemm gemm, bool bf16)
{
    public void Forward(MoeWeights moe, float[] x, int rows, float[] output, Span<float> routerLogits)
    {
        var h = config.HiddenSize;
        var routing = MoeRouter.Route(config, moe.Router, gemm, x.AsSpan(0, rows * h), rows, routerLogits, bf16);
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
                expert.Forward(gemm, block.AsSpan(0, tokens.Length * h), tokens.Length, result, bf16);
                ScatterAdd(result, tokens, routing.WeightsOf(e), h, output, bf16 && config.RoutingWeightsInModelDType);
            }

            // transformers' experts (grouped_mm, its default) sum each token's weighted expert outputs over the
            // top-k in fp32 and round once; rounding after every add drifts from it at near-ties.
            if (bf16)
            {
                BFloat16.Round(output.AsSpan(0, rows * h));
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

    /// <summary>output[token] += weight · result[i] for each of an expert's tokens, accumulated in fp32.</summary>
    /// <remarks>
    /// With <paramref name="bf16Products"/> each product is rounded to bf16 first: when the router hands the experts
    /// bf16 weights, expert_out · weight is a bf16 tensor in transformers. Mixtral's fp32 weights give fp32 products.
    /// </remarks>
    public static void ScatterAdd(ReadOnlySpan<float> result, ReadOnlySpan<int> tokens, ReadOnlySpan<float> weights, int width, Span<float> output, bool bf16Products = false)
    {
        Span<float> product = bf16Products ? new float[width] : default;
        for (var i = 0; i < tokens.Length; i++)
        {
            var dst = output.Slice(tokens[i] * width, width);
            if (bf16Products)
            {
                TensorPrimitives.Multiply(result.Slice(i * width, width), weights[i], product);
                BFloat16.Round(product);
                TensorPrimitives.Add(dst, product, dst);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(result.Slice(i * width, width), weights[i], dst, dst);
            }
        }
    }

    private void AddSharedExpert(SwiGluWeights shared, LinearWeight gate, float[] x, int rows, float[] output)
    {
        var h = config.HiddenSize;
        var y = ArrayPool<float>.Shared.Rent(rows * h);
        var g = ArrayPool<float>.Shared.Rent(rows);
        try
        {
            shared.Forward(gemm, x.AsSpan(0, rows * h), rows, y, bf16);
            gate.Forward(gemm, x.AsSpan(0, rows * h), rows, g, bf16);
            TensorPrimitives.Sigmoid(g.AsSpan(0, rows), g.AsSpan(0, rows));
            for (var r = 0; r < rows; r++)
            {
                var dst = output.AsSpan(r * h, h);
                var product = y.AsSpan(r * h, h);
                TensorPrimitives.Multiply(product, bf16 ? BFloat16.Round(g[r]) : g[r], product);
                if (bf16)
                {
                    BFloat16.Round(product);
                }

                Ops.AddInPlace(dst, product, bf16);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(y);
            ArrayPool<float>.Shared.Return(g);
        }
    }
}
