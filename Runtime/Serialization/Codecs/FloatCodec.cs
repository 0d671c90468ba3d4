namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class FloatCodec : IFieldCodec<float>
{
    public void WriteField(ref Writer writer, uint fieldId, float value)
    {
        writer.WriteTag(fieldId, WireType.Fixed32);
        writer.WriteFixed32(BitConverter.SingleToUInt32Bits(value));
    }

    public float ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.Fixed32);
        return BitConverter.UInt32BitsToSingle(reader.ReadFixed32());
    }

    public float DeepCopy(float value) => value;
}
