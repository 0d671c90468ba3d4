namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class ReadOnlyMemoryCodec : IFieldCodec<ReadOnlyMemory<byte>>
{
    public void WriteField(ref Writer writer, uint fieldId, ReadOnlyMemory<byte> value)
    {
        writer.WriteTag(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(value.Span);
    }

    public ReadOnlyMemory<byte> ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return default;
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

    public ReadOnlyMemory<byte> DeepCopy(ReadOnlyMemory<byte> value) => value.ToArray();
}
