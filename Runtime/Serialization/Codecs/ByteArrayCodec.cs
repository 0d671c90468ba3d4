namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Raw contiguous bytes: length then memcpy, or (large) a frame attachment received straight into the final array.</summary>
public sealed class ByteArrayCodec : IFieldCodec<byte[]>
{
    public void WriteField(ref Writer writer, uint fieldId, byte[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        writer.WriteArrayField(fieldId, value, AttachmentKind.Bytes);
    }

    public byte[] ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        if (wireType == WireType.Attachment)
        {
            return reader.ReadAttachment<byte[]>();
        }

        Reader.Expect(wireType, WireType.LengthPrefixed);
        var bytes = reader.ReadLengthPrefixed();
        var result = GC.AllocateUninitializedArray<byte>(bytes.Length);
        bytes.CopyTo(result);
        return result;
    }

    public byte[] DeepCopy(byte[] value) => value is null ? null! : (byte[])value.Clone();
}
