using System.Buffers;

namespace DistInfer.Runtime.Serialization;

/// <summary>
/// Growable <see cref="IBufferWriter{T}"/> over ArrayPool arrays; Dispose returns the array. A writer that
/// <see cref="AcceptsAttachments"/> (a message frame) can also carry borrowed memory between its written bytes, so a
/// large immutable payload is sent from where it lies instead of being copied in.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private List<(int Position, ReadOnlyMemory<byte> Bytes)>? _attachments;
    private long _attachedBytes;

    public PooledBufferWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Bytes written into the buffer (attachments not included).</summary>
    public int WrittenCount => _written;

    /// <summary>Whether <see cref="Attach"/> may be used (set on frames that go to a connection).</summary>
    public bool AcceptsAttachments { get; init; }

    /// <summary>Written bytes plus attached ones: the length that goes on the wire.</summary>
    public long TotalLength => _written + _attachedBytes;

    public bool HasAttachments => _attachments is { Count: > 0 };

    /// <summary>Borrowed memory and the buffer position it sits at; the caller keeps it unchanged until disposed.</summary>
    public IReadOnlyList<(int Position, ReadOnlyMemory<byte> Bytes)> Attachments => (IReadOnlyList<(int, ReadOnlyMemory<byte>)>?)_attachments ?? [];

    /// <summary>Places <paramref name="bytes"/> after what is written so far, without copying them.</summary>
    public void Attach(ReadOnlyMemory<byte> bytes)
    {
        if (!AcceptsAttachments)
        {
            throw new InvalidOperationException("This buffer does not accept attachments");
        }

        (_attachments ??= []).Add((_written, bytes));
        _attachedBytes += bytes.Length;
    }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ArraySegment<byte> WrittenSegment => new(_buffer, 0, _written);

    /// <summary>Direct access for patching a length prefix reserved at the start.</summary>
    public Span<byte> GetWrittenSpanForPatch() => _buffer.AsSpan(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Reset()
    {
        _written = 0;
        _attachments?.Clear();
        _attachedBytes = 0;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        _attachments = null;
        _attachedBytes = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureCapacity(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
