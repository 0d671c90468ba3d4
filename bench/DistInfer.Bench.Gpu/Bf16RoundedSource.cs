using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// A checkpoint whose floating-point tensors read as their values rounded to bf16 (then fp32): bf16 weights run in
/// fp32, what transformers computes after model.to(bfloat16).to(float32).
/// </summary>
public sealed class Bf16RoundedSource(ITensorSource inner) : ITensorSource
{
    public string Description => inner.Description + " (rounded to bf16)";

    public IReadOnlyCollection<string> Names => inner.Names;

    public bool TryGetInfo(string name, out TensorInfo info) => inner.TryGetInfo(name, out info);

    public TensorInfo GetInfo(string name) => inner.GetInfo(name);

    public ReadOnlySpan<byte> GetBytes(string name) => inner.GetBytes(name);

    public void ReadFloat32(string name, Span<float> destination)
    {
        inner.ReadFloat32(name, destination);
        Round(destination);
    }

    public float[] ReadFloat32(string name)
    {
        var values = inner.ReadFloat32(name);
        Round(values);
        return values;
    }

    public long[] ReadInt64(string name) => inner.ReadInt64(name);

    public void Dispose() => inner.Dispose();

    private static void Round(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Bf16.Round(values[i]);
        }
    }
}
