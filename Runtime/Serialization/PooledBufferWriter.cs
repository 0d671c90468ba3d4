using System.Buffers;

namespace DistInfer.Runtime.Serialization;

/// <summary>
/// Growable <see cref="IBufferWriter{T}"/> over ArrayPool arrays; Dispose returns the array. A writer that
/// <see cref="AcceptsAttachments"/> (a message frame) also carries large arrays to be sent after the written bytes:
/// borrowed (immutable, sent from where they lie) or copied once into pooled arrays it owns.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private List<FrameAttachment>? _attachments;
    private List<byte[]>? _rented;
    private List<PooledBuffer>? _held;
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

    /// <summary>The attachments in wire order; borrowed ones must stay unchanged until this writer is disposed.</summary>
    public IReadOnlyList<FrameAttachment> Attachments => (IReadOnlyList<FrameAttachment>?)_attachments ?? [];

    /// <summary>Adds an attachment (sent after the written bytes) without copying it; returns its index.</summary>
    public int Attach(ReadOnlyMemory<byte> bytes, AttachmentKind kind)
    {
        if (!AcceptsAttachments)
        {
            throw new InvalidOperationException("This buffer does not accept attachments");
        }

        _attachments ??= [];
        _attachments.Add(new FrameAttachment(bytes, kind));
        _attachedBytes += bytes.Length;
        return _attachments.Count - 1;
    }

    /// <summary>Attaches a pooled buffer without copying it, holding a handle of its own until this writer is disposed.</summary>
    public int Attach(PooledBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var held = buffer.Retain();
        (_held ??= []).Add(held);
        return Attach(held.Memory, AttachmentKind.Pooled);
    }

    /// <summary>Adds a pooled copy of <paramref name="bytes"/> as an attachment (for arrays the caller may change); returns its index.</summary>
    public int AttachCopy(ReadOnlySpan<byte> bytes, AttachmentKind kind)
    {
        var rented = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(rented);
        (_rented ??= []).Add(rented);
        return Attach(rented.AsMemory(0, bytes.Length), kind);
    }

    /// <summary>Inserts bytes at <paramref name="position"/> of the written bytes, moving what follows.</summary>
    public void InsertAt(int position, ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        _buffer.AsSpan(position, _written - position).CopyTo(_buffer.AsSpan(position + bytes.Length));
        bytes.CopyTo(_buffer.AsSpan(position));
        _written += bytes.Length;
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
        ReturnRented();
    }

    private void ReturnRented()
    {
        if (_held is not null)
        {
            foreach (var held in _held)
            {
                held.Dispose();
            }

            _held = null;
        }

        if (_rented is null)
        {
            return;
        }

        foreach (var array in _rented)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _rented = null;
    }

    /// <summary>
    /// Hands the written bytes over as a <see cref="PooledBuffer"/> without copying them (its array comes from the
    /// same pool); the writer is left empty, as if disposed. Not for frames with attachments.
    /// </summary>
    public PooledBuffer DetachWritten()
    {
        if (_attachments is { Count: > 0 })
        {
            throw new InvalidOperationException("A buffer with attachments cannot hand its written bytes over");
        }

        var written = PooledBuffer.Adopt(_buffer, _written);
        _buffer = [];
        Dispose();
        return written;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        _attachments = null;
        _attachedBytes = 0;
        ReturnRented();
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
