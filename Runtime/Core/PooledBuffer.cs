using System.Buffers;
using System.Runtime.InteropServices;

namespace DistInfer.Runtime;

/// <summary>
/// Immutable contiguous bytes (or any unmanaged element type seen through <see cref="AsSpan{T}"/>) in pooled
/// memory, for large grain call arguments and results: sent without a copy, received straight into a pooled
/// array, passed by reference on local calls.
/// <para>
/// Ownership: each <see cref="PooledBuffer"/> is one handle on shared memory; the memory goes back to the pool
/// once every handle is disposed (exactly once). Disposing a handle twice is harmless; using a disposed handle
/// throws <see cref="ObjectDisposedException"/>. A grain receives its arguments borrowed for the duration of the
/// call: to keep one afterwards, store <see cref="Retain"/>'s new handle (and dispose it when done). A returned
/// buffer passes to the caller. A handle that is never disposed is simply collected with its memory.
/// </para>
/// </summary>
[Immutable]
public sealed class PooledBuffer : IDisposable
{
    private readonly PooledBufferStorage _storage;
    private int _disposed;

    private PooledBuffer(PooledBufferStorage storage)
    {
        _storage = storage;
    }

    /// <summary>Byte length.</summary>
    public int Length => _storage.Length;

    /// <summary>Whether this handle was disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, _storage.Length);

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, _storage.Length);

    /// <summary>The bytes as elements of <typeparamref name="T"/> (little-endian; a trailing partial element is cut).</summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Span);

    /// <summary>How many times the memory went back to the pool: 0 while any handle lives, then exactly 1.</summary>
    internal int ReturnsToPool => _storage.Returns;

    /// <summary>The backing array (pooled: may be longer than <see cref="Length"/>); throws once this handle is disposed.</summary>
    internal byte[] Array => IsDisposed ? throw new ObjectDisposedException(nameof(PooledBuffer), "This PooledBuffer handle was disposed (call Retain() to keep a buffer beyond the call that received it)") : _storage.Array;

    /// <summary>A pooled copy of <paramref name="bytes"/>.</summary>
    public static PooledBuffer CopyOf(ReadOnlySpan<byte> bytes)
    {
        var buffer = Rent(bytes.Length, out var array);
        bytes.CopyTo(array);
        return buffer;
    }

    /// <summary>A pooled copy of <paramref name="values"/> as their little-endian bytes.</summary>
    public static PooledBuffer CopyOf<T>(ReadOnlySpan<T> values)
        where T : unmanaged => CopyOf(MemoryMarshal.AsBytes(values));

    /// <summary>A pooled buffer of <paramref name="length"/> bytes filled once by <paramref name="fill"/> (then immutable).</summary>
    public static PooledBuffer Create<TState>(int length, TState state, SpanAction<byte, TState> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var buffer = Rent(length, out var array);
        fill(array.AsSpan(0, length), state);
        return buffer;
    }

    /// <summary>
    /// A new handle on the same memory, valid until disposed, whatever happens to this one: how a grain keeps an
    /// argument beyond its call, and how a frame keeps a buffer until it is sent.
    /// </summary>
    public PooledBuffer Retain()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _storage.AddReference();
        return new PooledBuffer(_storage);
    }

    /// <summary>Releases this handle; the memory returns to the pool when the last handle goes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _storage.Release();
        }
    }

    /// <summary>Rents pooled memory for a new buffer (the runtime fills it from the socket before anyone sees it).</summary>
    internal static PooledBuffer Rent(int length, out byte[] array)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var storage = new PooledBufferStorage(length, pooled: true);
        array = storage.Array;
        return new PooledBuffer(storage);
    }

    /// <summary>A buffer over the first <paramref name="length"/> bytes of an array rented from the shared pool, which it now owns.</summary>
    internal static PooledBuffer Adopt(byte[] rented, int length) => new(new PooledBufferStorage(rented, length));

    /// <summary>A buffer over an array the caller hands over whole (nothing to copy, nothing to return).</summary>
    internal static PooledBuffer Over(byte[] bytes) => new(new PooledBufferStorage(bytes));

    /// <summary>A buffer over a fresh array of its own (small inline values; nothing to return).</summary>
    internal static PooledBuffer Unpooled(ReadOnlySpan<byte> bytes)
    {
        var storage = new PooledBufferStorage(bytes.Length, pooled: false);
        bytes.CopyTo(storage.Array);
        return new PooledBuffer(storage);
    }
}
