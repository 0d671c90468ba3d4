namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class StringCodec : IFieldCodec<string>
{
    public void WriteField(ref Writer writer, uint fieldId, string value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        writer.WriteTag(fieldId, WireType.LengthPrefixed);
        writer.WriteString(value);
    }

    public string ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.LengthPrefixed);
        return reader.ReadString();
    }

    public string DeepCopy(string value) => value;
}
