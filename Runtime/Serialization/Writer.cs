using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace DistInfer.Runtime.Serialization;

/// <summary>
/// Writes tagged fields into an <see cref="IBufferWriter{T}"/>. Holds the current span so small writes do not go
/// through the interface; call <see cref="Commit"/> when done.
/// </summary>
public ref struct Writer
{
    private const int MinimumChunk = 4096;
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;
    private long _committed;

    public Writer(IBufferWriter<byte> output)
    {
        _output = output;
        _span = output.GetSpan(256);
    }

    public readonly long Position => _committed + _position;

    /// <summary>
    /// Set by generated code while it writes an [Immutable] argument or result: large arrays may then be sent from
    /// the caller's memory (the caller promised not to change them) instead of a copy.
    /// </summary>
    public bool MayBorrow { get; set; }

    /// <summary>
    /// Writes a byte/float array field: inline (tag, length, bytes), or, when large and the output is a message frame,
    /// as an attachment sent after the frame body (tag and index here), so the receiver can read it straight into
    /// the final array. Borrowed when <see cref="MayBorrow"/>, otherwise copied once into pooled memory.
    /// </summary>
    public void WriteArrayField(uint fieldId, ReadOnlyMemory<byte> bytes, AttachmentKind kind)
    {
        if (bytes.Length < PayloadThresholds.AttachBytes || _output is not PooledBufferWriter { AcceptsAttachments: true } frame)
        {
            WriteTag(fieldId, WireType.LengthPrefixed);
            WriteLengthPrefixed(bytes.Span);
            return;
        }

        var index = MayBorrow ? frame.Attach(bytes, kind) : frame.AttachCopy(bytes.Span, kind);
        WriteTag(fieldId, WireType.Attachment);
        WriteVarUInt64((ulong)index);
    }

    /// <summary>
    /// Writes a <see cref="PooledBuffer"/> field: inline when small or not going to a connection, otherwise as an
    /// attachment sent from the buffer's own memory (it is immutable; the frame holds a handle until sent).
    /// </summary>
    public void WriteBufferField(uint fieldId, PooledBuffer buffer)
    {
        if (buffer.Length < PayloadThresholds.AttachBytes || _output is not PooledBufferWriter { AcceptsAttachments: true } frame)
        {
            WriteTag(fieldId, WireType.LengthPrefixed);
            WriteLengthPrefixed(buffer.Span);
            return;
        }

        var index = frame.Attach(buffer);
        WriteTag(fieldId, WireType.Attachment);
        WriteVarUInt64((ulong)index);
    }

    public void Commit()
    {
        if (_position > 0)
        {
            _output.Advance(_position);
            _committed += _position;
            _position = 0;
        }

        _span = default;
    }

    public void WriteTag(uint fieldId, WireType wireType) => WriteVarUInt64(((ulong)fieldId << 3) | (byte)wireType);

    public void WriteNull(uint fieldId) => WriteTag(fieldId, WireType.Null);

    public void WriteStartObject(uint fieldId) => WriteTag(fieldId, WireType.StartObject);

    public void WriteEndObject() => WriteTag(0, WireType.EndObject);

    public void WriteVarUInt64(ulong value)
    {
        Ensure(10);
        var span = _span[_position..];
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _position += i;
    }

    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    public void WriteFixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_span[_position..], value);
        _position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_span[_position..], value);
        _position += 8;
    }

    /// <summary>Length then raw bytes; large payloads are copied straight into the output in big chunks.</summary>
    public void WriteLengthPrefixed(scoped ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt64((ulong)bytes.Length);
        WriteRaw(bytes);
    }

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length - _position == 0)
            {
                Grow(Math.Min(bytes.Length, 1 << 20));
            }

            var n = Math.Min(bytes.Length, _span.Length - _position);
            bytes[..n].CopyTo(_span[_position..]);
            _position += n;
            bytes = bytes[n..];
        }
    }

    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            Span<byte> tmp = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(value, tmp);
            WriteLengthPrefixed(tmp[..n]);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        var count = Encoding.UTF8.GetBytes(value, rented);
        WriteLengthPrefixed(rented.AsSpan(0, count));
        ArrayPool<byte>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int count)
    {
        if (_span.Length - _position < count)
        {
            Grow(count);
        }
    }

    private void Grow(int count)
    {
        if (_position > 0)
        {
            _output.Advance(_position);
            _committed += _position;
            _position = 0;
        }

        _span = _output.GetSpan(Math.Max(count, MinimumChunk));
    }
}
