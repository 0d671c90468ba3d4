namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class DateTimeCodec : IFieldCodec<DateTime>
{
    public void WriteField(ref Writer writer, uint fieldId, DateTime value)
    {
        writer.WriteTag(fieldId, WireType.Fixed64);
        writer.WriteFixed64((ulong)value.ToBinary());
    }

    public DateTime ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.Fixed64);
        return DateTime.FromBinary((long)reader.ReadFixed64());
    }

    public DateTime DeepCopy(DateTime value) => value;
}
