namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Lists as an object: field 0 = count, then each element as field 1.</summary>
public sealed class ListCodec<T> : IFieldCodec<List<T>>
{
    public void WriteField(ref Writer writer, uint fieldId, List<T> value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        var codec = Codec<T>.Instance;
        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.VarInt);
        writer.WriteVarUInt64((ulong)value.Count);
        foreach (var item in value)
        {
            codec.WriteField(ref writer, 1, item);
        }

        writer.WriteEndObject();
    }

    public List<T> ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.StartObject);
        var codec = Codec<T>.Instance;
        var result = new List<T>();
        while (true)
        {
            var field = reader.ReadTag();
            if (field.IsEnd)
            {
                break;
            }

            if (field.Id == 0 && field.WireType == WireType.VarInt)
            {
                result.Capacity = checked((int)reader.ReadVarUInt64());
            }
            else if (field.Id == 1)
            {
                result.Add(codec.ReadValue(ref reader, field.WireType));
            }
            else
            {
                reader.SkipField(field.WireType);
            }
        }

        return result;
    }

    public List<T> DeepCopy(List<T> value)
    {
        if (value is null)
        {
            return null!;
        }

        var codec = Codec<T>.Instance;
        var copy = new List<T>(value.Count);
        foreach (var item in value)
        {
            copy.Add(codec.DeepCopy(item));
        }

        return copy;
    }
}
