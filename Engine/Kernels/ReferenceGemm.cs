using System.Numerics.Tensors;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// A plain, obviously correct GEMM (one dot product per output element, rows split across threads). The
/// yardstick tests compare the fast kernels with, and the fallback of last resort.
/// </summary>
public sealed class ReferenceGemm : IGemm
{
    public static readonly ReferenceGemm Instance = new();

    public string Name => "reference";

    public unsafe void Sgemm(bool transposeB, int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate = false)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            var (aa, bb, cc) = ((nint)pa, (nint)pb, (nint)pc);
            Parallel.For(0, m, i =>
            {
                var row = new ReadOnlySpan<float>((float*)aa + (long)i * lda, k);
                float[]? column = transposeB ? null : new float[k];
                for (var j = 0; j < n; j++)
                {
                    float v;
                    if (transposeB)
                    {
                        v = TensorPrimitives.Dot(row, new ReadOnlySpan<float>((float*)bb + (long)j * ldb, k));
                    }
                    else
                    {
                        for (var p = 0; p < k; p++)
                        {
                            column![p] = ((float*)bb)[(long)p * ldb + j];
                        }

                        v = TensorPrimitives.Dot(row, column);
                    }

                    ref var dst = ref ((float*)cc)[(long)i * ldc + j];
                    dst = accumulate ? dst + v : v;
                }
            });
        }
    }
}
