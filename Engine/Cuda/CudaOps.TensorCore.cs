namespace DistInfer.Engine.Cuda;

/// <summary>
/// The products on tensor cores (TensorCore.cu), bf16 weights only. In batch-invariant mode they take every token count,
/// prefill and decode alike, so invariance no longer costs prefill its tensor cores; otherwise they take decode-sized
/// products from <see cref="TensorCoreMinRows"/> rows, where they beat both the skinny kernels and cuBLAS.
/// </summary>
public sealed partial class CudaOps
{
    /// <summary>Environment switch: "0" keeps every product off the tensor-core kernels (A/B runs).</summary>
    public const string TensorCoreVariable = "DISTINFER_CUDA_TC";

    /// <summary>Environment override of <see cref="TensorCoreMinRows"/>.</summary>
    public const string TensorCoreMinRowsVariable = "DISTINFER_CUDA_TC_MIN_ROWS";

    /// <summary>Rows up to which the split shape serves a product (one m16 tile per block, a warp per K chunk).</summary>
    public const int TensorCoreSplitMaxRows = 64;

    /// <summary>Units (16 outputs, or 8 gate/up pairs) per serial block: 8 warps, two per unit over 128 rows.</summary>
    private const int SerialUnits = 4;

    private CudaKernel? _tcLinearSerial, _tcLinearSplit, _tcGateUpSerial, _tcGateUpSplit;
    private KernelModule? _tensorCoreModule;

    /// <summary>Whether bf16 products may take the tensor-core kernels (DISTINFER_CUDA_TC=0 turns them off).</summary>
    public bool TensorCores { get; set; } = Environment.GetEnvironmentVariable(TensorCoreVariable) != "0";

    /// <summary>
    /// Outside batch-invariant mode, the fewest rows for which a decode-sized product (at most
    /// <see cref="TensorCoreSplitMaxRows"/> rows) takes the tensor-core split kernels rather than the skinny FMA
    /// kernels or cuBLAS; larger products stay on cuBLAS.
    /// </summary>
    public int TensorCoreMinRows { get; set; } = int.TryParse(Environment.GetEnvironmentVariable(TensorCoreMinRowsVariable),
        System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int rows) ? rows : DefaultTensorCoreMinRows;

    /// <summary>Default of <see cref="TensorCoreMinRows"/>.</summary>
    public const int DefaultTensorCoreMinRows = 4;

    /// <summary>
    /// Whether this instance may take the tensor-core kernels at all: bf16, switched on, and a GPU with bf16 mma and
    /// cp.async (compute capability 8.0 or later).
    /// </summary>
    public bool TensorCoresAvailable => TensorCores && Bf16 && Device.Info.ComputeCapabilityMajor >= 8;

    /// <summary>
    /// Whether a product of <paramref name="rows"/> rows, inner size <paramref name="k"/>, read with row stride
    /// <paramref name="ldx"/> takes the tensor-core kernels. In batch-invariant mode it depends on the shape alone,
    /// never on the row count: that is what keeps it invariant.
    /// </summary>
    public bool UseTensorCores(int rows, int k, long ldx) =>
        TensorCoresAvailable && k > 0 && k % 32 == 0 && ldx % 8 == 0
        && (BatchInvariant || (rows >= TensorCoreMinRows && rows <= TensorCoreSplitMaxRows));

    /// <summary>
    /// Elements per K chunk: a multiple of 32 with at most 32 chunks (a split block has a warp per chunk). A function
    /// of K only, so both launch shapes sum in the same order.
    /// </summary>
    public static int TensorCoreChunk(int k) => Math.Max(128, (k + 32 * 32 - 1) / (32 * 32) * 32);

    /// <summary>
    /// out[rows, n] = x[rows, k] · W[n, k]^T in fp32 (y, ldy, accumulate) or, for a gate/up stack W [2n, k], the SiLU
    /// products into act [rows, n]. With <paramref name="active"/> the rows are expert segments (counts/offsets,
    /// grid z = slots) and x rows go through <paramref name="perm"/>; weights at table[e] or w + e * wStride.
    /// </summary>
    private void TensorCoreProduct(bool gateUp, nint w, nint table, long wStride, nint x, long ldx, nint perm, nint y, long ldy,
        bool accumulate, nint act, nint counts, nint offsets, nint active, int slots, int rows, int n, int k)
    {
        EnsureTensorCoreKernels();
        int kc = TensorCoreChunk(k), chunks = (k + kc - 1) / kc;
        int units = gateUp ? (n + 7) / 8 : (n + 15) / 16;
        bool split = rows <= TensorCoreSplitMaxRows;
        var kernel = (gateUp, split) switch
        {
            (false, false) => _tcLinearSerial!,
            (false, true) => _tcLinearSplit!,
            (true, false) => _tcGateUpSerial!,
            _ => _tcGateUpSplit!,
        };
        // Experts share the rows unevenly: a few row groups per block loop over what their expert got.
        int groups = split ? (rows + 15) / 16 : (rows + 127) / 128;
        int y2 = Math.Clamp(active != 0 ? Math.Min(groups, 32) : groups, 1, 65535);
        var grid = split ? (units, y2, Math.Max(slots, 1)) : ((units + SerialUnits - 1) / SerialUnits, y2, Math.Max(slots, 1));
        int block = split ? chunks * 32 : 256;
        int shared = split ? chunks * 256 * 4 : 0;
        kernel.Launch(Stream, grid, block, shared, _args.Reset().Ptr(w).Ptr(table).Long(wStride).Ptr(x).Long(ldx).Ptr(perm).Ptr(y)
            .Long(ldy).Int(accumulate ? 1 : 0).Ptr(act).Ptr(counts).Ptr(offsets).Ptr(active).Int(rows).Int(n).Int(k).Int(kc));
    }

    /// <summary>
    /// Loads the module now. The constructor calls it for bf16 instances: a first use inside a CUDA graph capture
    /// (decode steps of a stage) must not compile and load a module while the stream captures.
    /// </summary>
    private void EnsureTensorCoreKernels()
    {
        if (_tcLinearSerial is not null)
        {
            return;
        }

        var tc = Device.Module("TensorCore.cu");
        _tensorCoreModule = tc;
        _tcLinearSplit = tc.Kernel("tc_linear_split");
        _tcGateUpSerial = tc.Kernel("tc_gateup_serial");
        _tcGateUpSplit = tc.Kernel("tc_gateup_split");
        _tcLinearSerial = tc.Kernel("tc_linear_serial");
    }
}
