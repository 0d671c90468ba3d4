using DistInfer.Engine.Checkpoints;

namespace DistInfer.Grains.Weights;

/// <summary>Passes reads through and counts each tensor's bytes as it is read (load progress); disposes the inner source.</summary>
internal sealed class CountingTensorSource(ITensorSource inner, Action<long> read) : ITensorSource
{
    public string Description => inner.Description;

    public IReadOnlyCollection<string> Names => inner.Names;

    public bool TryGetInfo(string name, out TensorInfo info) => inner.TryGetInfo(name, out info);

    public TensorInfo GetInfo(string name) => inner.GetInfo(name);

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var bytes = inner.GetBytes(name);
        read(bytes.Length);
        return bytes;
    }

    public void ReadFloat32(string name, Span<float> destination)
    {
        inner.ReadFloat32(name, destination);
        read(inner.GetInfo(name).ByteLength);
    }

    public float[] ReadFloat32(string name)
    {
        var values = inner.ReadFloat32(name);
        read(inner.GetInfo(name).ByteLength);
        return values;
    }

    public long[] ReadInt64(string name)
    {
        var values = inner.ReadInt64(name);
        read(inner.GetInfo(name).ByteLength);
        return values;
    }

    public void Dispose() => inner.Dispose();
}
