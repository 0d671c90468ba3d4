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
        string host = string.Empty;
        long port = 0;
        long generation = 0;
        while (true)
        {
            var field = reader.ReadTag();
            if (field.IsEnd)
            {
                break;
            }

            switch (field.Id)
            {
                case 0:
                    host = reader.ReadString();
                    break;
                case 1:
                    port = reader.ReadVarInt64();
                    break;
                case 2:
                    generation = reader.ReadVarInt64();
                    break;
                default:
                    reader.SkipField(field.WireType);
                    break;
            }
        }

        return new SiloAddress(host, (int)port, generation);
    }

    public SiloAddress DeepCopy(SiloAddress value) => value;
}
