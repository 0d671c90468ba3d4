using System.Buffers;
using System.Runtime.InteropServices;

namespace DistInfer.Runtime.Serialization;

/// <summary>A float array seen as its little-endian bytes, as Memory (so a socket can send it without a copy).</summary>
internal sealed unsafe class FloatArrayBytes : MemoryManager<byte>
{
    private readonly float[] _array;

    public FloatArrayBytes(float[] array)
    {
        _array = array;
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_array.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
