using System.Numerics.Tensors;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// The few element-wise steps of a transformer layer that are not in <see cref="TensorPrimitives"/> as such.
/// Each accepts <c>dst</c> equal to (the same span as) an input, for in-place use.
/// </summary>
public static class VectorOps
{
    /// <summary>Chunk for the SwiGLU temporary, small enough for the stack.</summary>
    private const int Chunk = 256;

    /// <summary>dst = x / sqrt(mean(x²) + eps) · weight (Llama-style RMSNorm, statistics in fp32).</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> dst)
    {
        CheckLengths(x.Length, weight.Length, dst.Length, nameof(weight));
        if (x.IsEmpty)
        {
            return;
        }

        float scale = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares(x) / x.Length) + eps);
        TensorPrimitives.Multiply(x, scale, dst);
        TensorPrimitives.Multiply(dst, weight, dst);
    }

    /// <summary>dst = silu(gate) · up, the SwiGLU activation (silu(g) = g · sigmoid(g)).</summary>
    public static void SiluMul(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> dst)
    {
        CheckLengths(gate.Length, up.Length, dst.Length, nameof(up));
        Span<float> tmp = stackalloc float[Chunk];
        for (int i = 0; i < gate.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, gate.Length - i);
            Span<float> t = tmp[..n];
            ReadOnlySpan<float> g = gate.Slice(i, n);

            // All reads of this chunk of gate happen before dst (which may be gate) is written.
            TensorPrimitives.Sigmoid(g, t);
            TensorPrimitives.Multiply(t, g, t);
            TensorPrimitives.Multiply(t, up.Slice(i, n), dst.Slice(i, n));
        }
    }

    /// <summary>dst = softmax(x), shifted by max(x) so large logits do not overflow.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> dst)
    {
        CheckLengths(x.Length, x.Length, dst.Length, nameof(x));
        if (x.IsEmpty)
        {
            return;
        }

        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, dst);
        TensorPrimitives.Exp(dst, dst);
        TensorPrimitives.Multiply(dst, 1f / TensorPrimitives.Sum(dst), dst);
    }

    /// <summary>
    /// Rotary embedding in the Hugging Face "rotate_half" layout, in place on one head vector of even length d:
    /// pairs (x[i], x[i + d/2]) rotate by the angle whose cos/sin are cos[i], sin[i] (length d/2).
    /// </summary>
    public static void RotateHalf(Span<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = x.Length / 2;
        if (x.Length % 2 != 0 || cos.Length != half || sin.Length != half)
        {
            throw new ArgumentException($"rotary needs an even head size and cos/sin of half its length; got {x.Length}, {cos.Length}, {sin.Length}", nameof(x));
        }

        Span<float> lo = x[..half], hi = x[half..];
        for (int i = 0; i < half; i++)
        {
            float a = lo[i], b = hi[i];
            lo[i] = (a * cos[i]) - (b * sin[i]);
            hi[i] = (b * cos[i]) + (a * sin[i]);
        }
    }

    private static void CheckLengths(int x, int other, int dst, string otherName)
    {
        if (other != x || dst != x)
        {
            throw new ArgumentException($"length mismatch: input {x}, {otherName} {other}, dst {dst}", otherName);
        }
    }
}
