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
    /// <summary>
    /// Switch capacity factor: an expert takes at most ceil(factor · rows · topK / experts) of a routed block's
    /// tokens and the rest pass through the residual. 0 (the default) is dropless.
    /// </summary>
    public double CapacityFactor { get; set; }

    /// <summary>Routes normed rows: raw logits into <paramref name="routerLogits"/>, top-k per token, then capacity.</summary>
    public MoeRouting Route(MoeWeights moe, float[] x, int rows, Span<float> routerLogits)
    {
        var routing = MoeRouter.Route(config, moe.Router, gemm, x.AsSpan(0, rows * config.HiddenSize), rows, routerLogits, bf16);
        return CapacityFactor > 0 ? routing.WithCapacity(MoeRouting.Capacity(CapacityFactor, rows, config.TopK, config.NumExperts)) : routing;
    }

    /// <summary>Expert <paramref name="expert"/>'s tokens as one contiguous block [n, H] (what an expert grain receives).</summary>
    public float[] GatherInput(MoeRouting routing, int expert, float[] x)
    {
        var h = config.HiddenSize;
        var tokens = routing.TokensOf(expert);
        var block = new float[tokens.Length * h];
        Gather(x, tokens, h, block);
        return block;
    }

    /// <summary>One expert's unweighted outputs [n, H] for a block of its tokens.</summary>
    public void RunExpert(SwiGluWeights expert, ReadOnlySpan<float> block, int rows, Span<float> output) =>
        expert.Forward(gemm, block, rows, output, bf16);

    /// <summary>Runs every routed expert held in this process and combines (the in-process MoE layer).</summary>
    public void Forward(MoeWeights moe, float[] x, int rows, float[] output, Span<float> routerLogits) =>
        Forward(moe, Route(moe, x, rows, routerLogits), x, rows, output, layer: null);

    /// <summary>
    /// Runs a routed block's experts held in this process and combines. Every expert's input and output block
    /// lies in one pooled buffer at its routing offset, so a step allocates nothing per expert.
    /// </summary>
    internal void Forward(MoeWeights moe, MoeRouting routing, float[] x, int rows, float[] output, int? layer)
    {
        var h = config.HiddenSize;
        var slots = routing.ExpertOffsets[^1];
        var inputs = ArrayPool<float>.Shared.Rent(Math.Max(1, slots * h));
        var outputs = ArrayPool<float>.Shared.Rent(Math.Max(1, slots * h));
        try
        {
            for (var e = 0; e < config.NumExperts; e++)
            {
                var n = routing.TokenCount(e);
                if (n == 0)
                {
                    continue;
                }

                var expert = moe.Experts[e] ?? throw new InvalidOperationException(
                    layer is { } l ? $"layer {l} expert {e} is not loaded in this process" : $"expert {e} is not loaded in this process");
                var block = inputs.AsSpan(routing.ExpertOffsets[e] * h, n * h);
                Gather(x, routing.TokensOf(e), h, block);
                RunExpert(expert, block, n, outputs.AsSpan(routing.ExpertOffsets[e] * h, n * h));
            }

            Combine(moe, routing, outputs.AsSpan(0, slots * h), null, x, rows, output);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(outputs);
        }
    }

    /// <summary>
    /// output = Σ weight·expert output per token, experts in ascending id order, then the shared expert. The one
    /// combine both the in-process layer and the fabric's stage grains use, so their results are identical. An expert's
    /// output holds at least its tokens × H values (a pooled block may be longer; the rest is not read).
    /// </summary>
    public void Combine(MoeWeights moe, MoeRouting routing, IReadOnlyList<float[]?> expertOutputs, float[] x, int rows, float[] output) =>
        Combine(moe, routing, default, expertOutputs, x, rows, output);

    /// <summary>The combine over either one block of all outputs at their routing offsets, or one array per expert.</summary>
    private void Combine(MoeWeights moe, MoeRouting routing, ReadOnlySpan<float> contiguous, IReadOnlyList<float[]?>? expertOutputs, float[] x, int rows, float[] output)
    {
        var h = config.HiddenSize;
        output.AsSpan(0, rows * h).Clear();
        for (var e = 0; e < config.NumExperts; e++)
        {
            var tokens = routing.TokensOf(e);
            if (tokens.IsEmpty)
            {
                continue;
            }

            ReadOnlySpan<float> result = expertOutputs is null
                ? contiguous.Slice(routing.ExpertOffsets[e] * h, tokens.Length * h)
                : expertOutputs[e] ?? throw new InvalidOperationException($"no output for expert {e}, which has {tokens.Length} tokens");
            // A pooled output may be longer; only its first tokens × H values are the expert's.
            if (result.Length < tokens.Length * h)
            {
                throw new InvalidOperationException($"expert {e} returned {result.Length} values for {tokens.Length} tokens of width {h}");
            }

            ScatterAdd(result[..(tokens.Length * h)], tokens, routing.WeightsOf(e), h, output, bf16 && config.RoutingWeightsInModelDType);
        }

        // transformers' experts (grouped_mm, its default) sum each token's weighted expert outputs over the
        // top-k in fp32 and round once; rounding after every add drifts from it at near-ties.
        if (bf16)
        {
            BFloat16.Round(output.AsSpan(0, rows * h));
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
        Span<float> product = bf16Products && width <= 4096 ? stackalloc float[width] : bf16Products ? new float[width] : default;
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
