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
        var fields = new Fields { Type = string.Empty, Key = string.Empty };
        ObjectReader.Read(ref reader, ref fields);
        return new GrainId(fields.Type, fields.Key);
    }

    public GrainId DeepCopy(GrainId value) => value;

    private struct Fields : IFieldVisitor
    {
        public string Type;
        public string Key;

        public bool ReadField(ref Reader reader, Field field)
        {
            switch (field.Id)
            {
                case 0:
                    Type = GrainTypeNames.Intern(reader.ReadString());
                    return true;
                case 1:
                    Key = reader.ReadString();
                    return true;
                default:
                    return false;
            }
        }
    }
}
