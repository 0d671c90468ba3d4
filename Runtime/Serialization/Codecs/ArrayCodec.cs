namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Arrays as an object: field 0 = count, then each element as field 1.</summary>
public sealed class ArrayCodec<T> : IFieldCodec<T[]>
{
    public void WriteField(ref Writer writer, uint fieldId, T[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        ElementsWriter.Write<T>(ref writer, fieldId, value);
    }

    public T[] ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.StartObject);
        var items = new Items { Codec = Codec<T>.Instance, Result = [] };
        ObjectReader.Read(ref reader, ref items);
        return items.Result;
    }

    public T[] DeepCopy(T[] value)
    {
        if (value is null)
        {
            return null!;
        }

        var codec = Codec<T>.Instance;
        var copy = new T[value.Length];
        for (var i = 0; i < value.Length; i++)
        {
            copy[i] = codec.DeepCopy(value[i]);
        }

        return copy;
    }

    private struct Items : IFieldVisitor
    {
        public IFieldCodec<T> Codec;
        public T[] Result;
        private int _index;

        public bool ReadField(ref Reader reader, Field field)
        {
            if (field.Id == 0 && field.WireType == WireType.VarInt)
            {
                Result = new T[checked((int)reader.ReadVarUInt64())];
                return true;
            }

            if (field.Id == 1 && _index < Result.Length)
            {
                Result[_index++] = Codec.ReadValue(ref reader, field.WireType);
                return true;
            }

            return false;
        }
    }
}
