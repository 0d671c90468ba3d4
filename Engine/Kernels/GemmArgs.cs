namespace DistInfer.Engine.Kernels;

/// <summary>The shape and stride checks every <see cref="IGemm"/> makes before touching memory.</summary>
internal static class GemmArgs
{
    /// <summary>
    /// Validates the arguments and completes the products with nothing to multiply (m, n or k zero); returns true
    /// when nothing is left to do. Handling k = 0 here also keeps zero-size pointers away from BLAS.
    /// </summary>
    public static bool ValidateAndHandleEmpty(bool transposeB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        Validate(transposeB, m, n, k, aLength, lda, bLength, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return true;
        }

        if (k != 0)
        {
            return false;
        }

        if (!accumulate)
        {
            for (var i = 0; i < m; i++)
            {
                c.Slice(i * ldc, n).Clear();
            }
        }

        return true;
    }

    public static void Validate(bool transposeB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m > 0 && k > 0)
        {
            CheckMatrix("a", "lda", m, k, lda, aLength);
        }

        if (n > 0 && k > 0)
        {
            if (transposeB)
            {
                CheckMatrix("b", "ldb", n, k, ldb, bLength);
            }
            else
            {
                CheckMatrix("b", "ldb", k, n, ldb, bLength);
            }
        }

        if (m > 0 && n > 0)
        {
            CheckMatrix("c", "ldc", m, n, ldc, cLength);
        }
    }

    private static void CheckMatrix(string name, string strideName, int rows, int cols, int stride, int length)
    {
        if (stride < cols)
        {
            throw new ArgumentOutOfRangeException(strideName, stride, $"{strideName} must be at least the {cols} columns of {name}");
        }

        long needed = ((long)(rows - 1) * stride) + cols;
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} floats but a {rows}x{cols} matrix with row stride {stride} needs {needed}", name);
        }
    }
}
