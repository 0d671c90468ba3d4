using System.Runtime.InteropServices;

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

        ElementsWriter.Write<T>(ref writer, fieldId, CollectionsMarshal.AsSpan(value));
    }

    public List<T> ReadValue(ref Reader reader, WireType wireType)
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

    private struct Items : IFieldVisitor
    {
        public IFieldCodec<T> Codec;
        public List<T> Result;

        public readonly bool ReadField(ref Reader reader, Field field)
        {
            if (field.Id == 0 && field.WireType == WireType.VarInt)
            {
                Result.Capacity = checked((int)reader.ReadVarUInt64());
                return true;
            }

            if (field.Id == 1)
            {
                Result.Add(Codec.ReadValue(ref reader, field.WireType));
                return true;
            }

            return false;
        }
    }
}
