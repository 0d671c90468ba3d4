using System.Buffers.Binary;
using System.Text;

namespace DistInfer.Runtime.Serialization;

/// <summary>Reads tagged fields from a contiguous span (frames are made contiguous before decoding).</summary>
public ref struct Reader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly object[]? _attachments;
    private int _position;

    public Reader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
    }

    /// <summary>A message body with the arrays that came after it (see <see cref="WireType.Attachment"/>).</summary>
    public Reader(ReadOnlySpan<byte> buffer, object[]? attachments)
    {
        _buffer = buffer;
        _attachments = attachments;
    }

    public readonly bool IsAtEnd => _position >= _buffer.Length;

    public readonly int Position => _position;

    public Field ReadTag()
    {
        var tag = ReadVarUInt64();
        return new Field((uint)(tag >> 3), (WireType)(tag & 7));
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            if (_position >= _buffer.Length || shift > 63)
            {
                throw new SerializationException("Truncated or malformed varint");
            }

            var b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }

            shift += 7;
        }
    }

    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public uint ReadFixed32()
    {
        var value = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        return value;
    }

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> ReadLengthPrefixed()
    {
        var length = ReadVarUInt64();
        if (length > (ulong)(_buffer.Length - _position))
        {
            throw new SerializationException($"Length {length} runs past the end of the message");
        }

        return Take((int)length);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadLengthPrefixed());

    /// <summary>The attachment an <see cref="WireType.Attachment"/> field names, as the array type the codec expects.</summary>
    public T ReadAttachment<T>()
        where T : class
    {
        var index = ReadVarUInt64();
        if (_attachments is null || index >= (ulong)_attachments.Length)
        {
            throw new SerializationException($"Attachment {index} is missing from the message");
        }

        return _attachments[index] as T
            ?? throw new SerializationException($"Attachment {index} is a {_attachments[index].GetType().Name}, expected {typeof(T).Name}");
    }

    public static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            throw new SerializationException($"Expected wire type {expected} but found {actual}");
        }
    }

    /// <summary>Skips a field this reader does not know (this is what makes old readers accept new writers).</summary>
    public void SkipField(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.VarInt:
                ReadVarUInt64();
                break;
            case WireType.Fixed32:
                Take(4);
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthPrefixed:
                ReadLengthPrefixed();
                break;
            case WireType.Attachment:
                ReadVarUInt64();
                break;
            case WireType.StartObject:
                while (true)
                {
                    var inner = ReadTag();
                    if (inner.IsEnd)
                    {
                        break;
                    }

                    SkipField(inner.WireType);
                }

                break;
            case WireType.Null:
            case WireType.EndObject:
                break;
            default:
                throw new SerializationException($"Unknown wire type {wireType}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _buffer.Length - _position)
        {
            throw new SerializationException("Message truncated");
        }

        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}
