namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class ReadOnlyMemoryCodec : IFieldCodec<ReadOnlyMemory<byte>>
{
    private static readonly ByteArrayCodec Bytes = new();

    public void WriteField(ref Writer writer, uint fieldId, ReadOnlyMemory<byte> value)
    {
        writer.WriteTag(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(value.Span);
    }

    // The byte[] reader's null (a Null field) converts to an empty memory.
    public ReadOnlyMemory<byte> ReadValue(ref Reader reader, WireType wireType) => Bytes.ReadValue(ref reader, wireType);

    public ReadOnlyMemory<byte> DeepCopy(ReadOnlyMemory<byte> value) => value.ToArray();
}
