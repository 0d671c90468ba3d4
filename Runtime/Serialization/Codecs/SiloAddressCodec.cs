using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class SiloAddressCodec : IFieldCodec<SiloAddress>
{
    public void WriteField(ref Writer writer, uint fieldId, SiloAddress value)
    {
        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.LengthPrefixed);
        writer.WriteString(value.Host);
        writer.WriteTag(1, WireType.VarInt);
        writer.WriteVarInt64(value.Port);
        writer.WriteTag(2, WireType.VarInt);
        writer.WriteVarInt64(value.Generation);
        writer.WriteEndObject();
    }

    public SiloAddress ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.StartObject);
        var fields = new Fields { Host = string.Empty };
        ObjectReader.Read(ref reader, ref fields);
        return new SiloAddress(fields.Host, (int)fields.Port, fields.Generation);
    }

    public SiloAddress DeepCopy(SiloAddress value) => value;

    private struct Fields : IFieldVisitor
    {
        public string Host;
        public long Port;
        public long Generation;

        public bool ReadField(ref Reader reader, Field field)
        {
            switch (field.Id)
            {
                case 0:
                    Host = reader.ReadString();
                    return true;
                case 1:
                    Port = reader.ReadVarInt64();
                    return true;
                case 2:
                    Generation = reader.ReadVarInt64();
                    return true;
                default:
                    return false;
            }
        }
    }
}
