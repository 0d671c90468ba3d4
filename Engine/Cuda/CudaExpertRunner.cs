namespace DistInfer.Engine.Cuda;

/// <summary>
/// Runs <see cref="CudaExpert"/>s of one device on one stream, one call at a time (the GPU runs them one after
/// another anyway; one stream, cuBLAS handle and scratch for every expert of the silo instead of one each).
/// </summary>
public sealed class CudaExpertRunner : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly Dictionary<bool, CudaOps> _ops = [];
    private DeviceBuffer? _input;
    private DeviceBuffer? _inputAct;
    private DeviceBuffer? _gateUp;
    private DeviceBuffer? _act;
    private DeviceBuffer? _output;

    public CudaExpertRunner(CudaDevice device)
    {
        _device = device;
        device.MakeCurrent();
        _stream = device.CreateStream();
    }

    /// <summary>output[rows, hidden] = down(silu(gate(x)) * up(x)) for x = block[rows, hidden].</summary>
    public void Forward(CudaExpert expert, ReadOnlySpan<float> block, int rows, Span<float> output)
    {
        int h = expert.Hidden, f = expert.Width;
        if (rows == 0 && block.IsEmpty && output.IsEmpty)
        {
            return;
        }

        if (rows < 0 || block.Length != rows * h || output.Length != rows * h)
        {
            throw new ArgumentException($"{block.Length} input and {output.Length} output values for {rows} rows of width {h}");
        }

        lock (_gate)
        {
            _device.MakeCurrent();
            if (!_ops.TryGetValue(expert.IsBf16, out var ops))
            {
                // An expert's output for a token must not depend on the other tokens of the call, or a failover's
                // re-prefill could take another path (the stage's rule, CudaStageOptions.BatchInvariant).
                ops = new CudaOps(_device, _stream, expert.IsBf16) { BatchInvariant = CudaOps.FabricInvariantByDefault };
                _ops[expert.IsBf16] = ops;
            }

            int act = ops.ActSize;
            var input = Ensure(ref _input, (long)rows * h * 4);
            var gateUp = Ensure(ref _gateUp, (long)rows * 2 * f * 4);
            var ffn = Ensure(ref _act, (long)rows * f * act);
            var result = Ensure(ref _output, (long)rows * h * 4);
            _stream.Upload(block, input);
            nint x = input;
            if (expert.IsBf16)
            {
                x = Ensure(ref _inputAct, (long)rows * h * 2);
                ops.ToBf16(input, x, (long)rows * h);
            }

            ops.GateUpSilu(expert.GateUp, x, h, ffn, rows, f, h, gateUp);
            ops.Linear(expert.Down, ffn, f, result, h, rows, h, f, false);
            _stream.Download<float>(result, output);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var ops in _ops.Values)
            {
                ops.Dispose();
            }

            _input?.Dispose();
            _inputAct?.Dispose();
            _gateUp?.Dispose();
            _act?.Dispose();
            _output?.Dispose();
            _stream.Dispose();
        }
    }

    private nint Ensure(ref DeviceBuffer? buffer, long bytes)
    {
        if (buffer is null || buffer.Bytes < bytes)
        {
            buffer?.Dispose();
            // Grow by doubling so a run of growing blocks reallocates a few times only.
            buffer = _device.Allocate(Math.Max(bytes, Math.Min(2 * (buffer?.Bytes ?? 0), 2 * bytes)));
        }

        return buffer.Pointer;
    }
}
