using System.Runtime.InteropServices;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// sgemm through OpenBLAS's cblas_sgemm, bound at run time with <see cref="NativeLibrary"/> so a machine
/// without the library simply gets no instance (<see cref="TryCreate"/> returns null) instead of a
/// DllNotFoundException at the first call. On Debian: <c>apt-get install libopenblas0-pthread</c>.
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemm
{
    /// <summary>Environment variable naming the library file to try before the usual names.</summary>
    public const string PathVariable = "DISTINFER_OPENBLAS";

    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so", "openblas", "libopenblas.dll", "libopenblas.dylib"];

    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemv;
    private readonly delegate* unmanaged[Cdecl]<int, void> _setThreads;
    private readonly delegate* unmanaged[Cdecl]<int> _getThreads;

    private OpenBlasGemm(string library, nint sgemm, nint sgemv, nint setThreads, nint getThreads, string config, string core)
    {
        Library = library;
        _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _sgemv = (delegate* unmanaged[Cdecl]<int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemv;
        _setThreads = (delegate* unmanaged[Cdecl]<int, void>)setThreads;
        _getThreads = (delegate* unmanaged[Cdecl]<int>)getThreads;
        Config = config;
        CoreName = core;
    }

    public string Name => "openblas";

    /// <summary>The name or path the library was loaded by.</summary>
    public string Library { get; }

    /// <summary>openblas_get_config(): version and build options.</summary>
    public string Config { get; }

    /// <summary>openblas_get_corename(): the kernel set chosen for this processor.</summary>
    public string CoreName { get; }

    /// <summary>OpenBLAS's own thread pool size (process-wide); 0 when the library cannot say.</summary>
    public int Threads
    {
        get => _getThreads == null ? 0 : _getThreads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            if (_setThreads != null)
            {
                _setThreads(value);
            }
        }
    }

    /// <summary>"openblas (OpenBLAS 0.3.21 ..., core Zen, 2 threads) from libopenblas.so.0", for logs.</summary>
    public string Description => $"openblas ({Config}, core {CoreName}, {Threads} threads) from {Library}";

    /// <summary>Loads OpenBLAS ($DISTINFER_OPENBLAS first, then the usual names); null when it is not installed.</summary>
    public static OpenBlasGemm? TryCreate()
    {
        string? explicitPath = Environment.GetEnvironmentVariable(PathVariable);
        return TryCreate(string.IsNullOrWhiteSpace(explicitPath) ? LibraryNames : [explicitPath, .. LibraryNames]);
    }

    /// <summary>Loads the first candidate that exports cblas_sgemm; null when none does.</summary>
    internal static OpenBlasGemm? TryCreate(IEnumerable<string> candidates)
    {
        foreach (string name in candidates)
        {
            if (NativeLibrary.TryLoad(name, typeof(OpenBlasGemm).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out nint handle)
                && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm))
            {
                NativeLibrary.TryGetExport(handle, "cblas_sgemv", out nint sgemv);
                NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads);
                NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out nint getThreads);
                return new OpenBlasGemm(name, sgemm, sgemv, setThreads, getThreads,
                    ReadString(handle, "openblas_get_config"), ReadString(handle, "openblas_get_corename"));
            }
        }

        return null;
    }

    public void Sgemm(bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        bool accumulate = false)
    {
        GemmArgs.Validate(transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            // BLAS leaves the k = 0 case to beta; handled here so no zero-size pointer reaches the library.
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }

            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (m == 1 && _sgemv != null)
            {
                // OpenBLAS's sgemm does not hand one-row products to its gemv kernels and runs them several
                // times slower; C is cleared here so beta stays 1 (beta = 0 handling of NaN differs by version).
                if (!accumulate)
                {
                    c[..n].Clear();
                }

                if (transposeB)
                {
                    _sgemv(RowMajor, NoTrans, n, k, 1f, pb, ldb, pa, 1, 1f, pc, 1);
                }
                else
                {
                    _sgemv(RowMajor, Trans, k, n, 1f, pb, ldb, pa, 1, 1f, pc, 1);
                }

                return;
            }

            _sgemm(RowMajor, NoTrans, transposeB ? Trans : NoTrans, m, n, k,
                1f, pa, lda, pb, ldb, accumulate ? 1f : 0f, pc, ldc);
        }
    }

    private static string ReadString(nint handle, string export)
    {
        if (!NativeLibrary.TryGetExport(handle, export, out nint fn))
        {
            return "unknown";
        }

        nint text = ((delegate* unmanaged[Cdecl]<nint>)fn)();
        return Marshal.PtrToStringUTF8(text)?.Trim() ?? "unknown";
    }
}
