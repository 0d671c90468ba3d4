using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// One SwiGLU expert resident on a GPU: gate and up stacked [2F, hidden], down [hidden, F], in bf16 (or fp32).
/// Run through a <see cref="CudaExpertRunner"/>, which all experts of a device share.
/// </summary>
public sealed class CudaExpert : IDisposable
{
    private readonly DeviceBuffer _gateUp;
    private readonly DeviceBuffer _down;

    private CudaExpert(DeviceBuffer gateUp, DeviceBuffer down, int hidden, int width, bool bf16)
    {
        _gateUp = gateUp;
        _down = down;
        Hidden = hidden;
        Width = width;
        IsBf16 = bf16;
    }

    public int Hidden { get; }

    /// <summary>The expert's intermediate size F.</summary>
    public int Width { get; }

    public bool IsBf16 { get; }

    public long Bytes => _gateUp.Bytes + _down.Bytes;

    /// <summary>The device address of gate and up stacked [2F, hidden].</summary>
    public nint GateUp => _gateUp.Pointer;

    /// <summary>The device address of down [hidden, F].</summary>
    public nint Down => _down.Pointer;

    public static CudaExpert Load(CudaDevice device, ITensorSource source, string gate, string up, string down, int hidden, int width, bool bf16)
    {
        device.MakeCurrent();
        var gateUp = Upload(device, source, [gate, up], 2L * width * hidden, bf16);
        try
        {
            return new CudaExpert(gateUp, Upload(device, source, [down], (long)hidden * width, bf16), hidden, width, bf16);
        }
        catch
        {
            gateUp.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _gateUp.Dispose();
        _down.Dispose();
    }

    private static DeviceBuffer Upload(CudaDevice device, ITensorSource source, string[] names, long count, bool bf16)
    {
        var values = new float[count];
        long at = 0;
        foreach (var name in names)
        {
            long n = source.GetInfo(name).ElementCount;
            if (at + n > count)
            {
                throw new CheckpointException($"{source.Description}: {string.Join(", ", names)} hold more than the {count} values of the expert's shape");
            }

            source.ReadFloat32(name, values.AsSpan((int)at, (int)n));
            at += n;
        }

        if (at != count)
        {
            throw new CheckpointException($"{source.Description}: {string.Join(", ", names)} hold {at} values, expected {count}");
        }

        var buffer = device.Allocate(count * (bf16 ? 2 : 4));
        try
        {
            if (bf16)
            {
                var b16 = new ushort[count];
                Bf16.FromFloat(values, b16);
                buffer.Upload<ushort>(b16);
            }
            else
            {
                buffer.Upload<float>(values);
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return buffer;
    }
}
