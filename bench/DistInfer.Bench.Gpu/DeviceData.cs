using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>Host data to and from the device in fp32 or bf16, for the kernel checks.</summary>
internal static class DeviceData
{
    public static DeviceBuffer Up(CudaDevice d, float[] data, bool bf16)
    {
        var b = d.Allocate(data.Length * (bf16 ? 2L : 4L));
        if (bf16)
        {
            var u = new ushort[data.Length];
            Bf16.FromFloat(data, u);
            b.Upload<ushort>(u);
        }
        else
        {
            b.Upload<float>(data);
        }

        return b;
    }

    public static float[] Down(DeviceBuffer b, int count, bool bf16)
    {
        if (!bf16)
        {
            return b.Download<float>(count);
        }

        var f = new float[count];
        Bf16.ToFloat(b.Download<ushort>(count), f);
        return f;
    }
}
