using System.Buffers.Binary;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Messaging;

/// <summary>The attachment table: written when a frame is finished, read before the attachments arrive.</summary>
public static partial class FrameCodec
{
    /// <summary>
    /// Reads the head of a frame with attachments from the bytes received so far (without prefix): false while the
    /// head is incomplete; otherwise its length and each attachment's kind and byte length.
    /// </summary>
    internal static bool TryReadHead(ReadOnlySpan<byte> received, int frameLength, out int headLength, out (AttachmentKind Kind, int Length)[] table)
    {
        headLength = 0;
        table = [];
        var offset = FixedHeaderSize;
        if (!Has(received, offset + 2))
        {
            return false;
        }

        offset += 2 + BinaryPrimitives.ReadUInt16LittleEndian(received[offset..]);
        if (!Has(received, offset + 2))
        {
            return false;
        }

        offset += 2 + BinaryPrimitives.ReadUInt16LittleEndian(received[offset..]);
        if (!TryReadVarInt(received, ref offset, out var count))
        {
            return false;
        }

        // Each entry takes at least two bytes (kind, length) of the frame, and the table is only allocated once those
        // bytes are here: a forged count costs the sender as many bytes as the table costs the receiver.
        if (count > (ulong)Math.Max(0, frameLength - offset) / 2)
        {
            throw new SerializationException($"Frame of {frameLength} bytes names {count} attachments");
        }

        if (!Has(received, offset + (2 * (int)count)))
        {
            return false;
        }

        var entries = new (AttachmentKind, int)[count];
        long attached = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            if (!Has(received, offset + 1))
            {
                return false;
            }

            var kind = (AttachmentKind)received[offset++];
            if (!TryReadVarInt(received, ref offset, out var length))
            {
                return false;
            }

            if (kind is not (AttachmentKind.Bytes or AttachmentKind.Floats or AttachmentKind.Pooled) || length > (ulong)frameLength
                || (kind == AttachmentKind.Floats && length % sizeof(float) != 0))
            {
                throw new SerializationException($"Attachment {i} of kind {kind} and {length} bytes is malformed");
            }

            entries[i] = (kind, (int)length);
            attached += (long)length;
        }

        if (!TryReadVarInt(received, ref offset, out var bodyLength))
        {
            return false;
        }

        if (offset + (long)bodyLength + attached != frameLength)
        {
            throw new SerializationException($"Frame of {frameLength} bytes does not match its body ({bodyLength}) and attachments ({attached})");
        }

        if (!Has(received, offset + (int)bodyLength))
        {
            return false;
        }

        headLength = offset + (int)bodyLength;
        table = entries;
        return true;
    }

    /// <summary>Allocates the final arrays for a table; <paramref name="targets"/> gets each one's bytes to fill.</summary>
    internal static object[] AllocateAttachments((AttachmentKind Kind, int Length)[] table, out Memory<byte>[] targets)
    {
        var arrays = new object[table.Length];
        targets = new Memory<byte>[table.Length];
        for (var i = 0; i < table.Length; i++)
        {
            if (table[i].Kind == AttachmentKind.Pooled)
            {
                // Warm pooled memory: filled straight from the socket, returned when the call is over.
                arrays[i] = PooledBuffer.Rent(table[i].Length, out var pooled);
                targets[i] = pooled.AsMemory(0, table[i].Length);
            }
            else if (table[i].Kind == AttachmentKind.Floats)
            {
                var floats = GC.AllocateUninitializedArray<float>(table[i].Length / sizeof(float));
                arrays[i] = floats;
                targets[i] = new FloatArrayBytes(floats).Memory;
            }
            else
            {
                var bytes = GC.AllocateUninitializedArray<byte>(table[i].Length);
                arrays[i] = bytes;
                targets[i] = bytes;
            }
        }

        return arrays;
    }

    /// <summary>Releases the runtime's handles on a received frame's pooled attachments (its call is over).</summary>
    internal static void ReleaseAttachments(object[]? attachments)
    {
        if (attachments is null)
        {
            return;
        }

        foreach (var attachment in attachments)
        {
            (attachment as PooledBuffer)?.Dispose();
        }
    }

    private static void InsertAttachmentTable(PooledBufferWriter frame)
    {
        var written = frame.GetWrittenSpanForPatch();
        written[PrefixSize + 1] |= AttachmentsFlag;
        var bodyStart = PrefixSize + FixedHeaderSize;
        bodyStart += 2 + BinaryPrimitives.ReadUInt16LittleEndian(written[bodyStart..]);
        bodyStart += 2 + BinaryPrimitives.ReadUInt16LittleEndian(written[bodyStart..]);
        var attachments = frame.Attachments;
        var table = new byte[10 + (attachments.Count * 11)];
        var n = WriteVarInt(table, 0, (ulong)attachments.Count);
        foreach (var attachment in attachments)
        {
            table[n++] = (byte)attachment.Kind;
            n = WriteVarInt(table, n, (ulong)attachment.Bytes.Length);
        }

        n = WriteVarInt(table, n, (ulong)(written.Length - bodyStart));
        frame.InsertAt(bodyStart, table.AsSpan(0, n));
    }

    private static bool Has(ReadOnlySpan<byte> received, int count) => received.Length >= count;

    private static int WriteVarInt(Span<byte> span, int offset, ulong value)
    {
        while (value >= 0x80)
        {
            span[offset++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[offset++] = (byte)value;
        return offset;
    }

    private static bool TryReadVarInt(ReadOnlySpan<byte> span, ref int offset, out ulong value)
    {
        value = 0;
        for (int shift = 0, i = offset; shift < 64; shift += 7, i++)
        {
            if (i >= span.Length)
            {
                return false;
            }

            var b = span[i];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                offset = i + 1;
                return true;
            }
        }

        throw new SerializationException("Malformed varint in a frame header");
    }

    private static ulong ReadVarInt(ReadOnlySpan<byte> span, ref int offset) =>
        TryReadVarInt(span, ref offset, out var value) ? value : throw new SerializationException("Frame header truncated");
}
