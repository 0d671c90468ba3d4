namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class BoolCodec : IFieldCodec<bool>
{
    public void WriteField(ref Writer writer, uint fieldId, bool value)
    {
        writer.WriteTag(fieldId, WireType.VarInt);
        writer.WriteVarUInt64(value ? 1UL : 0UL);
    }

    public bool ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.VarInt);
        return reader.ReadVarUInt64() != 0;
    }

    public bool DeepCopy(bool value) => value;
}
