using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Model;

/// <summary>
/// Rotate-half RoPE with cos/sin tables computed as transformers does (fp32 inverse frequencies, fp32 angle),
/// grown on demand and shared by all layers.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly int _half;
    private readonly float[] _inverseFrequency;
    private readonly Lock _growLock = new();
    private float[] _cos = [];
    private float[] _sin = [];
    private int _positions;

    public RotaryEmbedding(int headDim, double theta)
    {
        _half = headDim / 2;
        _inverseFrequency = new float[_half];
        for (var i = 0; i < _half; i++)
        {
            var exponent = (float)(2 * i) / headDim;
            _inverseFrequency[i] = 1.0f / (float)Math.Pow(theta, exponent);
        }
    }

    /// <summary>Makes sure positions [0, count) have tables; call before a parallel region.</summary>
    public void EnsurePositions(int count)
    {
        if (count <= Volatile.Read(ref _positions))
        {
            return;
        }

        lock (_growLock)
        {
            if (count <= _positions)
            {
                return;
            }

            var n = Math.Max(count, _positions * 2);
            var cos = new float[n * _half];
            var sin = new float[n * _half];
            for (var p = 0; p < n; p++)
            {
                for (var i = 0; i < _half; i++)
                {
                    var angle = (float)p * _inverseFrequency[i];
                    cos[p * _half + i] = (float)Math.Cos(angle);
                    sin[p * _half + i] = (float)Math.Sin(angle);
                }
            }

            _cos = cos;
            _sin = sin;
            Volatile.Write(ref _positions, n);
        }
    }

    /// <summary>Rotates one head vector in place at <paramref name="position"/>.</summary>
    /// <remarks>
    /// With <paramref name="bf16"/>: cos and sin are cast to bf16 and each product and sum is rounded, as
    /// q * cos + rotate_half(q) * sin evaluates in a bf16 model.
    /// </remarks>
    public void Apply(Span<float> head, int position, bool bf16 = false)
    {
        var cos = _cos.AsSpan(position * _half, _half);
        var sin = _sin.AsSpan(position * _half, _half);
        var x1 = head[.._half];
        var x2 = head[_half..];
        if (bf16)
        {
            for (var i = 0; i < _half; i++)
            {
                float a = x1[i], b = x2[i], c = BFloat16.Round(cos[i]), s = BFloat16.Round(sin[i]);
                x1[i] = BFloat16.Round(BFloat16.Round(a * c) - BFloat16.Round(b * s));
                x2[i] = BFloat16.Round(BFloat16.Round(b * c) + BFloat16.Round(a * s));
            }

            return;
        }

        for (var i = 0; i < _half; i++)
        {
            var a = x1[i];
            var b = x2[i];
            x1[i] = a * cos[i] - b * sin[i];
            x2[i] = b * cos[i] + a * sin[i];
        }
    }
}
