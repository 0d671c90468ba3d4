namespace DistInfer.Engine.Kernels;

/// <summary>The shape and stride checks every <see cref="IGemm"/> makes before touching memory.</summary>
internal static class GemmArgs
{
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
