using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Streams;

/// <summary>
/// One stream item on its way to a consumer: its serialized bytes, or, for an item of an [Immutable] type, the item
/// itself, serialized only when a delivery leaves the process. A consumer in the producer's silo then receives the
/// very object (Orleans' rule for [Immutable] call arguments), so a step's logits or activations cross a silo-local
/// hop without being copied twice. The producer gives up such an item once it called OnNextAsync.
/// </summary>
/// <remarks>
/// Local calls pass this handle by reference ([Immutable]); a remote call writes <see cref="Bytes"/>, and the receiving
/// silo reads a bytes-only payload. Bytes made here are pooled and go back in <see cref="Dispose"/>; bytes a payload
/// was built over (<see cref="Over"/>) stay with whoever passed them in.
/// </remarks>
[Immutable]
public sealed class StreamPayload : IDisposable
{
    private readonly object? _item;
    private readonly Func<object, PooledBuffer>? _serialize;
    private readonly Lock _lock = new();
    private readonly bool _ownsBytes;
    private PooledBuffer? _bytes;
    private int _sharedReads;
    private bool _disposed;

    private StreamPayload(object? item, Func<object, PooledBuffer>? serialize, PooledBuffer? bytes, bool ownsBytes)
    {
        _item = item;
        _serialize = serialize;
        _bytes = bytes;
        _ownsBytes = ownsBytes;
    }

    /// <summary>Whether the bytes exist yet (an item shared only within its silo is never serialized).</summary>
    public bool IsSerialized => Volatile.Read(ref _bytes) is not null;

    /// <summary>Whether a consumer read the producer's own object (the others, if any, read copies).</summary>
    public bool WasShared => Volatile.Read(ref _sharedReads) > 0;

    /// <summary>The item's serialized bytes, made (once) when first asked for.</summary>
    public PooledBuffer Bytes
    {
        get
        {
            if (Volatile.Read(ref _bytes) is { } bytes)
            {
                return bytes;
            }

            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _bytes ??= _serialize!(_item!);
            }
        }
    }

    /// <summary>
    /// A payload for <paramref name="item"/>: shared as it is when <typeparamref name="T"/> is [Immutable],
    /// otherwise serialized now (the producer may change the item once OnNextAsync returned).
    /// </summary>
    public static StreamPayload Of<T>(T item) =>
        Shared<T>.IsImmutable
            ? new StreamPayload(item, Shared<T>.Serialize, null, ownsBytes: true)
            : new StreamPayload(null, null, Serializer.SerializeToPooled(item), ownsBytes: true);

    /// <summary>A payload over bytes received or read elsewhere; disposing it leaves them alone.</summary>
    public static StreamPayload Over(PooledBuffer bytes) => new(null, null, bytes, ownsBytes: false);

    /// <summary>The item: the producer's own object when it was shared, else a fresh one read from the bytes.</summary>
    public T Read<T>()
    {
        if (_item is T item && Shared<T>.IsImmutable)
        {
            Interlocked.Increment(ref _sharedReads);
            return item;
        }

        return Serializer.Deserialize<T>(Bytes.Span);
    }

    /// <summary>Gives the bytes made here back to the pool; a later <see cref="Bytes"/> throws.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            if (_ownsBytes)
            {
                _bytes?.Dispose();
            }
        }
    }

    private static class Shared<T>
    {
        public static readonly bool IsImmutable = typeof(T).IsDefined(typeof(ImmutableAttribute), inherit: false);

        public static readonly Func<object, PooledBuffer> Serialize = static item => Serializer.SerializeToPooled((T)item);
    }
}
