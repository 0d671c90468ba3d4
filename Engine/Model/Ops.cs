using System.Numerics.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>Element-wise kernels of the transformer, computed in fp32 as transformers does.</summary>
public static class Ops
{
    /// <summary>RMSNorm of one row: y = w * x / sqrt(mean(x²) + eps).</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        var meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        var scale = 1.0f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(x, scale, y);
        TensorPrimitives.Multiply(y, weight, y);
    }

    /// <summary>RMSNorm applied to each of <paramref name="rows"/> rows of width <paramref name="width"/>.</summary>
    public static void RmsNormRows(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, int rows, int width, Span<float> y)
    {
        for (var r = 0; r < rows; r++)
        {
            RmsNorm(x.Slice(r * width, width), weight, eps, y.Slice(r * width, width));
        }
    }

    /// <summary>a = silu(g) * u = g * sigmoid(g) * u.</summary>
    public static void SiluMul(ReadOnlySpan<float> g, ReadOnlySpan<float> u, Span<float> a)
    {
        TensorPrimitives.Sigmoid(g, a);
        TensorPrimitives.Multiply(a, g, a);
        TensorPrimitives.Multiply(a, u, a);
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
