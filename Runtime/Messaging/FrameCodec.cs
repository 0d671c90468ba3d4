using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Frame = int32 length (of what follows) | fixed header (24 bytes: kind, flags, status, reserved, correlation id,
/// interface id, method id, timeout ms) | grain type and key (uint16 length + UTF-8 each) | body.
/// The fixed part comes first so an oversize frame can be answered from its first bytes and skipped. With
/// <see cref="AttachmentsFlag"/> the key is followed by an attachment table (count, then kind and byte length of each)
/// and the body length, and the attachments (large arrays) follow the body, so the receiver can allocate the final
/// arrays from the table and read their bytes straight into them (FrameCodec.Attachments.cs).
/// </summary>
public static partial class FrameCodec
{
    public const int PrefixSize = 4;
    public const int FixedHeaderSize = 24;

    /// <summary>Header flag: an attachment table follows the key, and the attachments follow the body.</summary>
    public const byte AttachmentsFlag = 0x80;

    /// <summary>Starts a frame: reserves the length prefix and writes the header; append the body, then <see cref="Finish"/>.</summary>
    public static PooledBufferWriter Begin(in MessageHeader header, int bodySizeHint = 256)
    {
        var buffer = new PooledBufferWriter(PrefixSize + FixedHeaderSize + 128 + bodySizeHint) { AcceptsAttachments = true };
        var type = header.Target.Type ?? string.Empty;
        var key = header.Target.Key ?? string.Empty;
        var typeBytes = Encoding.UTF8.GetByteCount(type);
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        var size = PrefixSize + FixedHeaderSize + 4 + typeBytes + keyBytes;
        var span = buffer.GetSpan(size);
        span[4] = (byte)header.Kind;
        span[5] = header.Flags;
        span[6] = (byte)header.Status;
        span[7] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], header.CorrelationId);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], header.InterfaceId);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], header.MethodId);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], header.TimeoutMilliseconds);
        var offset = PrefixSize + FixedHeaderSize;
        BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], checked((ushort)typeBytes));
        offset += 2 + Encoding.UTF8.GetBytes(type, span[(offset + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], checked((ushort)keyBytes));
        offset += 2 + Encoding.UTF8.GetBytes(key, span[(offset + 2)..]);
        buffer.Advance(offset);
        return buffer;
    }

    /// <summary>Patches the length prefix (and writes the attachment table); returns the frame length (excluding the prefix, including attachments).</summary>
    public static long Finish(PooledBufferWriter frame)
    {
        if (frame.HasAttachments)
        {
            InsertAttachmentTable(frame);
        }

        var length = frame.TotalLength - PrefixSize;
        BinaryPrimitives.WriteInt32LittleEndian(frame.GetWrittenSpanForPatch(), (int)Math.Min(length, int.MaxValue));
        return length;
    }

    public static bool TryReadLength(in ReadOnlySequence<byte> buffer, out int length)
    {
        length = 0;
        if (buffer.Length < PrefixSize)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[PrefixSize];
        buffer.Slice(0, PrefixSize).CopyTo(prefix);
        length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        return true;
    }

    /// <summary>Reads the fixed part only (enough to answer an oversize frame).</summary>
    public static MessageHeader ReadFixed(ReadOnlySpan<byte> fixedPart) => new()
    {
        Kind = (MessageKind)fixedPart[0],
        Flags = fixedPart[1],
        Status = (ResponseStatus)fixedPart[2],
        CorrelationId = BinaryPrimitives.ReadInt64LittleEndian(fixedPart[4..]),
        InterfaceId = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]),
        MethodId = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[16..]),
        TimeoutMilliseconds = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[20..]),
    };

    /// <summary>Parses a frame's head (the whole frame without prefix and attachments); returns the body.</summary>
    public static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> frame, out MessageHeader header)
    {
        if (frame.Length < FixedHeaderSize + 4)
        {
            throw new SerializationException($"Frame of {frame.Length} bytes is shorter than a header");
        }

        header = ReadFixed(frame);
        var offset = FixedHeaderSize;
        var typeLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[offset..]);
        var type = GrainTypeNames.Intern(frame.Slice(offset + 2, typeLength));
        offset += 2 + typeLength;
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[offset..]);
        var key = Encoding.UTF8.GetString(frame.Slice(offset + 2, keyLength));
        offset += 2 + keyLength;
        header.Target = new GrainId(type, key);
        if ((header.Flags & AttachmentsFlag) == 0)
        {
            return frame[offset..];
        }

        var count = (int)ReadVarInt(frame, ref offset);
        for (var i = 0; i < count; i++)
        {
            offset++;
            ReadVarInt(frame, ref offset);
        }

        var bodyLength = (int)ReadVarInt(frame, ref offset);
        return frame.Slice(offset, bodyLength);
    }
}
