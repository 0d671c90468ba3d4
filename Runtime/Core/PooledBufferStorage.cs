using System.Buffers;

namespace DistInfer.Runtime;

/// <summary>The memory behind <see cref="PooledBuffer"/> handles: an array and a count of live handles.</summary>
internal sealed class PooledBufferStorage
{
    private readonly bool _pooled;
    private byte[]? _array;
    private int _references = 1;
    private int _returns;

    public PooledBufferStorage(int length, bool pooled)
    {
        _pooled = pooled;
        Length = length;
        _array = pooled ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Storage over an array rented from the shared pool elsewhere (the first <paramref name="length"/> bytes count).</summary>
    public PooledBufferStorage(byte[] rented, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, rented.Length);
        _pooled = rented.Length > 0;
        Length = length;
        _array = rented;
    }

    /// <summary>Storage over an array that was not rented: released to the GC, not to the pool.</summary>
    public PooledBufferStorage(byte[] array)
    {
        _pooled = false;
        Length = array.Length;
        _array = array;
    }

    public int Length { get; }

    /// <summary>Handles check their own state first; this only catches a storage released under a live handle (a bug).</summary>
    public byte[] Array => Volatile.Read(ref _array) ?? throw new ObjectDisposedException(nameof(PooledBuffer));

    public void AddReference()
    {
        // A live handle holds a reference, so the count cannot be zero here.
        Interlocked.Increment(ref _references);
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        var array = Interlocked.Exchange(ref _array, null);
        if (_pooled && array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
            Interlocked.Increment(ref _returns);
        }
    }

    /// <summary>How many times the array went back to the pool (0 while any handle lives, then 1; tests check it).</summary>
    public int Returns => Volatile.Read(ref _returns);
}
