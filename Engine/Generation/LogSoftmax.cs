using System.Buffers;
using System.Numerics.Tensors;

namespace DistInfer.Engine.Generation;

/// <summary>Log-softmax pieces over one row of logits, vectorised, without materialising the whole distribution.</summary>
public static class LogSoftmax
{
    // Float sums stay exact enough over a chunk this size; chunks add up in double, so a 150k vocabulary keeps the
    // log-sum-exp well inside 1e-6.
    private const int Chunk = 1024;

    /// <summary>log(sum(exp(logits))), shifted by the maximum so nothing overflows.</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("no logits", nameof(logits));
        }

        var max = TensorPrimitives.Max(logits);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            return max;
        }

        var scratch = ArrayPool<float>.Shared.Rent(Math.Min(Chunk, logits.Length));
        try
        {
            double sum = 0;
            for (var start = 0; start < logits.Length; start += Chunk)
            {
                var part = logits.Slice(start, Math.Min(Chunk, logits.Length - start));
                var shifted = scratch.AsSpan(0, part.Length);
                TensorPrimitives.Subtract(part, max, shifted);
                TensorPrimitives.Exp(shifted, shifted);
                sum += TensorPrimitives.Sum(shifted);
            }

            return max + Math.Log(sum);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
