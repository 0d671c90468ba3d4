namespace DistInfer.Engine.Kernels;

/// <summary>
/// Picks the process-wide sgemm: the managed kernels unless <c>DISTINFER_GEMM=openblas</c>. Measured here
/// (bench/RESULTS.md) they match or beat Debian's OpenBLAS 0.3.21 at every square size and are about 4x faster
/// for the 2-4 row products of batched decode, so OpenBLAS is opt-in. Resolved once, on first use.
/// </summary>
public static class Gemm
{
    /// <summary>Environment variable that forces a choice: "managed" or "openblas".</summary>
    public const string SelectVariable = "DISTINFER_GEMM";

    private static readonly Lazy<OpenBlasGemm?> LazyOpenBlas = new(OpenBlasGemm.TryCreate);
    private static readonly Lazy<IGemm> LazyDefault = new(Select);

    /// <summary>The managed kernels, one thread per processor.</summary>
    public static ManagedGemm Managed { get; } = new();

    /// <summary>OpenBLAS, or null when libopenblas is not installed.</summary>
    public static OpenBlasGemm? OpenBlas => LazyOpenBlas.Value;

    /// <summary>The implementation the engine should call.</summary>
    public static IGemm Default => LazyDefault.Value;

    /// <summary>One line for logs: which sgemm runs and why.</summary>
    public static string Describe()
    {
        string? forced = Environment.GetEnvironmentVariable(SelectVariable);
        string reason = !string.IsNullOrWhiteSpace(forced) ? $"{SelectVariable}={forced}"
            : "default";
        return $"sgemm: {Describe(Default)} [{reason}]";
    }

    private static string Describe(IGemm gemm) => gemm switch
    {
        OpenBlasGemm blas => blas.Description,
        ManagedGemm managed => managed.Description,
        _ => gemm.Name,
    };

    private static IGemm Select() =>
        Select(Environment.GetEnvironmentVariable(SelectVariable), () => OpenBlas, Managed);

    /// <summary>The choice for a given <see cref="SelectVariable"/> value; OpenBLAS is only loaded when it may be used.</summary>
    internal static IGemm Select(string? forced, Func<OpenBlasGemm?> openBlas, ManagedGemm managed)
    {
        forced = forced?.Trim();
        if (string.IsNullOrEmpty(forced))
        {
            return managed;
        }

        if (string.Equals(forced, "managed", StringComparison.OrdinalIgnoreCase))
        {
            return managed;
        }

        if (string.Equals(forced, "openblas", StringComparison.OrdinalIgnoreCase))
        {
            return openBlas() ?? throw new DistInferException(
                $"{SelectVariable}=openblas but libopenblas could not be loaded; install libopenblas0-pthread or set {OpenBlasGemm.PathVariable} to the library file");
        }

        throw new DistInferException($"{SelectVariable}='{forced}' is not a gemm; use 'managed' or 'openblas'");
    }
}
