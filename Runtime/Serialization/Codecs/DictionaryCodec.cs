namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Dictionaries as an object: field 0 = count, then keys as field 1 each followed by its value as field 2.</summary>
public sealed class DictionaryCodec<TKey, TValue> : IFieldCodec<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    public void WriteField(ref Writer writer, uint fieldId, Dictionary<TKey, TValue> value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        var keys = Codec<TKey>.Instance;
        var values = Codec<TValue>.Instance;
        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.VarInt);
        writer.WriteVarUInt64((ulong)value.Count);
        foreach (var pair in value)
        {
            keys.WriteField(ref writer, 1, pair.Key);
            values.WriteField(ref writer, 2, pair.Value);
        }

        writer.WriteEndObject();
    }

    public Dictionary<TKey, TValue> ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.StartObject);
        var pairs = new Pairs { Keys = Codec<TKey>.Instance, Values = Codec<TValue>.Instance, Result = [] };
        ObjectReader.Read(ref reader, ref pairs);
        return pairs.Result;
    }

    public Dictionary<TKey, TValue> DeepCopy(Dictionary<TKey, TValue> value)
    {
        if (value is null)
        {
            return null!;
        }

        var keys = Codec<TKey>.Instance;
        var values = Codec<TValue>.Instance;
        var copy = new Dictionary<TKey, TValue>(value.Count, value.Comparer);
        foreach (var pair in value)
        {
            copy[keys.DeepCopy(pair.Key)] = values.DeepCopy(pair.Value);
        }

        return copy;
    }

    private struct Pairs : IFieldVisitor
    {
        public IFieldCodec<TKey> Keys;
        public IFieldCodec<TValue> Values;
        public Dictionary<TKey, TValue> Result;
        private TKey? _key;
        private bool _haveKey;

        public bool ReadField(ref Reader reader, Field field)
        {
            if (field.Id == 0 && field.WireType == WireType.VarInt)
            {
                Result.EnsureCapacity(checked((int)reader.ReadVarUInt64()));
                return true;
            }

            if (field.Id == 1)
            {
                _key = Keys.ReadValue(ref reader, field.WireType);
                _haveKey = true;
                return true;
            }

            if (field.Id == 2 && _haveKey)
            {
                Result[_key!] = Values.ReadValue(ref reader, field.WireType);
                _haveKey = false;
                return true;
            }

            return false;
        }
    }
}
