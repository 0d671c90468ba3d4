namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class GuidCodec : IFieldCodec<Guid>
{
    public void WriteField(ref Writer writer, uint fieldId, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        writer.WriteTag(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(bytes);
    }

    public Guid ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.LengthPrefixed);
        return new Guid(reader.ReadLengthPrefixed());
    }

    public Guid DeepCopy(Guid value) => value;
}
