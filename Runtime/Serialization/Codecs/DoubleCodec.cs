namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class DoubleCodec : IFieldCodec<double>
{
    public void WriteField(ref Writer writer, uint fieldId, double value)
    {
        writer.WriteTag(fieldId, WireType.Fixed64);
        writer.WriteFixed64(BitConverter.DoubleToUInt64Bits(value));
    }

    public double ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.Fixed64);
        return BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
    }

    public double DeepCopy(double value) => value;
}
