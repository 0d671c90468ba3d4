using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// Reusable kernel argument pack: each value gets an 8-byte slot and cuLaunchKernel receives pointers to them.
/// Not thread-safe; one per launching thread (the transformer owns one).
/// </summary>
public sealed unsafe class KernelArgs : IDisposable
{
    private const int MaxArgs = 32;
    private long* _slots;
    private void** _pointers;
    private int _count;

    public KernelArgs()
    {
        _slots = (long*)NativeMemory.AllocZeroed(MaxArgs * sizeof(long));
        _pointers = (void**)NativeMemory.AllocZeroed((nuint)(MaxArgs * sizeof(void*)));
        for (int i = 0; i < MaxArgs; i++)
        {
            _pointers[i] = _slots + i;
        }
    }

    internal void** Pointers => _pointers;

    public KernelArgs Reset()
    {
        _count = 0;
        return this;
    }

    public KernelArgs Ptr(nint value) => Put(value);

    public KernelArgs Long(long value) => Put(value);

    public KernelArgs ULong(ulong value) => Put((long)value);

    public KernelArgs Int(int value)
    {
        Slot() = 0;
        *(int*)(_slots + _count - 1) = value;
        return this;
    }

    public KernelArgs Float(float value)
    {
        Slot() = 0;
        *(float*)(_slots + _count - 1) = value;
        return this;
    }

    public void Dispose()
    {
        if (_slots != null)
        {
            NativeMemory.Free(_slots);
            NativeMemory.Free(_pointers);
            _slots = null;
            _pointers = null;
        }
    }

    private KernelArgs Put(long value)
    {
        Slot() = value;
        return this;
    }

    private ref long Slot()
    {
        if (_count == MaxArgs)
        {
            throw new InvalidOperationException($"more than {MaxArgs} kernel arguments");
        }

        return ref _slots[_count++];
    }
}
