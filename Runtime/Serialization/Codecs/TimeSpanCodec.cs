namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class TimeSpanCodec : IFieldCodec<TimeSpan>
{
    public void WriteField(ref Writer writer, uint fieldId, TimeSpan value)
    {
        writer.WriteTag(fieldId, WireType.VarInt);
        writer.WriteVarInt64(value.Ticks);
    }

    public TimeSpan ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.VarInt);
        return TimeSpan.FromTicks(reader.ReadVarInt64());
    }

    public TimeSpan DeepCopy(TimeSpan value) => value;
}
