namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class GrainIdCodec : IFieldCodec<GrainId>
{
    public void WriteField(ref Writer writer, uint fieldId, GrainId value)
    {
        if (value.IsDefault)
        {
            writer.WriteNull(fieldId);
            return;
        }

        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.LengthPrefixed);
        writer.WriteString(value.Type);
        writer.WriteTag(1, WireType.LengthPrefixed);
        writer.WriteString(value.Key);
        writer.WriteEndObject();
    }

    public GrainId ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return default;
        }

        Reader.Expect(wireType, WireType.StartObject);
        string type = string.Empty;
        string key = string.Empty;
        while (true)
        {
            var field = reader.ReadTag();
            if (field.IsEnd)
            {
                break;
            }

            if (field.Id == 0)
            {
                type = GrainTypeNames.Intern(reader.ReadString());
            }
            else if (field.Id == 1)
            {
                key = reader.ReadString();
            }
            else
            {
                reader.SkipField(field.WireType);
            }
        }

        return new GrainId(type, key);
    }

    public GrainId DeepCopy(GrainId value) => value;
}
