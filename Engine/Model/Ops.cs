using System.Numerics.Tensors;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>Element-wise kernels of the transformer, computed in fp32 as transformers does.</summary>
public static class Ops
{
    /// <summary>RMSNorm of one row: y = w * x / sqrt(mean(x²) + eps).</summary>
    /// <remarks>With <paramref name="bf16"/>, rounds as transformers does: weight * normalized.to(bf16), then the product.</remarks>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y, bool bf16 = false)
    {
        var meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        var scale = 1.0f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(x, scale, y);
        if (bf16)
        {
            BFloat16.Round(y);
        }

        TensorPrimitives.Multiply(y, weight, y);
        if (bf16)
        {
            BFloat16.Round(y);
        }
    }

    /// <summary>RMSNorm applied to each of <paramref name="rows"/> rows of width <paramref name="width"/>.</summary>
    public static void RmsNormRows(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, int rows, int width, Span<float> y, bool bf16 = false)
    {
        for (var r = 0; r < rows; r++)
        {
            RmsNorm(x.Slice(r * width, width), weight, eps, y.Slice(r * width, width), bf16);
        }
    }

    /// <summary>a = silu(g) * u = g * sigmoid(g) * u.</summary>
    public static void SiluMul(ReadOnlySpan<float> g, ReadOnlySpan<float> u, Span<float> a, bool bf16 = false)
    {
        TensorPrimitives.Sigmoid(g, a);
        TensorPrimitives.Multiply(a, g, a);
        if (bf16)
        {
            BFloat16.Round(a);
        }

        TensorPrimitives.Multiply(a, u, a);
        if (bf16)
        {
            BFloat16.Round(a);
        }
    }

    /// <summary>x += delta, rounded to bf16 when asked (a residual add in a bf16 model).</summary>
    public static void AddInPlace(Span<float> x, ReadOnlySpan<float> delta, bool bf16)
    {
        TensorPrimitives.Add(x, delta, x);
        if (bf16)
        {
            BFloat16.Round(x);
        }
    }

    /// <summary>In-place softmax with the max subtracted first (fp32).</summary>
    public static void Softmax(Span<float> x)
    {
        var max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        var sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Divide(x, sum, x);
    }

    /// <summary>Index of the largest value; the first one on ties, as torch.argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] > bestValue)
            {
                bestValue = x[i];
                best = i;
            }
        }

        return best;
    }
}
