using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>
/// Runs one product through an <see cref="IGemm"/> and compares it with a double-precision triple loop.
/// Row padding (stride beyond width) of A and B holds NaN so any read outside the matrices poisons the result;
/// C's padding holds a sentinel that must survive, and with accumulate off C starts as NaN so it must be
/// overwritten, not added to.
/// </summary>
internal static class GemmCheck
{
    private const float Sentinel = 12345.5f;

    public static void Verify(IGemm gemm, bool transposeB, int m, int n, int k, int pad, bool accumulate, int seed = 1)
    {
        var rng = new Random(seed + (m * 7919) + (n * 104729) + k);
        int lda = k + pad, ldc = n + pad;
        int ldb = (transposeB ? k : n) + pad;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        float[] a = Matrix(m, k, lda, rng, float.NaN);
        float[] b = Matrix(bRows, bCols, ldb, rng, float.NaN);
        float[] c = Matrix(m, n, ldc, rng, Sentinel);
        if (!accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                c.AsSpan(i * ldc, n).Fill(float.NaN);
            }
        }

        float[] before = (float[])c.Clone();
        gemm.Sgemm(transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? before[(i * ldc) + j] : 0;
                double magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double bv = transposeB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    double term = a[(i * lda) + p] * bv;
                    sum += term;
                    magnitude += Math.Abs(term);
                }

                float got = c[(i * ldc) + j];
                double tolerance = (1e-5 * magnitude) + 1e-30;
                if (!(Math.Abs(got - sum) <= tolerance))
                {
                    Assert.Fail($"{gemm.Name} {Shape(transposeB, m, n, k, pad, accumulate)}: C[{i},{j}] = {got}, expected {sum} (tolerance {tolerance:G3})");
                }
            }

            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
            {
                Assert.True(c[(i * ldc) + j] == Sentinel,
                    $"{gemm.Name} {Shape(transposeB, m, n, k, pad, accumulate)}: wrote C[{i},{j}] in the row padding");
            }
        }
    }

    private static string Shape(bool transposeB, int m, int n, int k, int pad, bool accumulate) =>
        $"m={m} n={n} k={k} B={(transposeB ? "[n,k]" : "[k,n]")} pad={pad} accumulate={accumulate}";

    /// <summary>rows × cols values in [-1, 1) at row stride ld; the last row is not padded (the minimum length).</summary>
    private static float[] Matrix(int rows, int cols, int ld, Random rng, float padding)
    {
        float[] x = new float[rows == 0 ? 0 : ((rows - 1) * ld) + cols];
        Array.Fill(x, padding);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                x[(i * ld) + j] = (float)((rng.NextDouble() * 2) - 1);
            }
        }

        return x;
    }
}
