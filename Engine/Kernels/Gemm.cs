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

    /// <summary>
    /// Environment variable that turns batch invariance (<see cref="ManagedGemm.BatchInvariant"/>) of the
    /// process-wide managed kernels off ("0", "false", "off") or on ("1", "true", "on"; the default).
    /// </summary>
    public const string BatchInvariantVariable = "DISTINFER_BATCH_INVARIANT";

    private static readonly Lazy<OpenBlasGemm?> LazyOpenBlas = new(OpenBlasGemm.TryCreate);
    private static readonly Lazy<ManagedGemm> LazyManaged = new(() =>
        new ManagedGemm { BatchInvariant = BatchInvariant(Environment.GetEnvironmentVariable(BatchInvariantVariable)) });

    private static readonly Lazy<IGemm> LazyDefault = new(Select);

    private static readonly (string Text, bool On)[] BatchInvariantValues =
        [("1", true), ("true", true), ("on", true), ("0", false), ("false", false), ("off", false)];

    /// <summary>
    /// The managed kernels, one thread per processor, batch-invariant unless <see cref="BatchInvariantVariable"/>
    /// says otherwise: a served sequence's tokens must not depend on what else shared its steps, or a re-prefill
    /// after a fault could go on differently.
    /// </summary>
    public static ManagedGemm Managed => LazyManaged.Value;

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
        Select(Environment.GetEnvironmentVariable(SelectVariable), () => OpenBlas, () => Managed);

    /// <summary>What a <see cref="BatchInvariantVariable"/> value asks for (unset: on).</summary>
    internal static bool BatchInvariant(string? value) => Switch(BatchInvariantVariable, value) ?? true;

    /// <summary>An on/off environment value of <paramref name="variable"/>: null when unset, an error naming it when not a switch.</summary>
    internal static bool? Switch(string variable, string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        foreach (var (text, on) in BatchInvariantValues)
        {
            if (string.Equals(value, text, StringComparison.OrdinalIgnoreCase))
            {
                return on;
            }
        }

        throw new DistInferException($"{variable}='{value}' is not a switch; use 1/true/on or 0/false/off");
    }

    /// <summary>
    /// The choice for a given <see cref="SelectVariable"/> value; OpenBLAS and the managed kernels are only built
    /// when chosen (so a bad <see cref="BatchInvariantVariable"/> does not stop an OpenBLAS run).
    /// </summary>
    internal static IGemm Select(string? forced, Func<OpenBlasGemm?> openBlas, Func<ManagedGemm> managed)
    {
        forced = forced?.Trim();
        if (string.IsNullOrEmpty(forced))
        {
            return managed();
        }

        if (string.Equals(forced, "managed", StringComparison.OrdinalIgnoreCase))
        {
            return managed();
        }

        if (string.Equals(forced, "openblas", StringComparison.OrdinalIgnoreCase))
        {
            return openBlas() ?? throw new DistInferException(
                $"{SelectVariable}=openblas but libopenblas could not be loaded; install libopenblas0-pthread or set {OpenBlasGemm.PathVariable} to the library file");
        }

        throw new DistInferException($"{SelectVariable}='{forced}' is not a gemm; use 'managed' or 'openblas'");
    }
}
