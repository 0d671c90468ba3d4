using System.Numerics;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>All integer types (and char) as varints; signed ones zigzag-encoded.</summary>
public sealed class IntegerCodec<T> : IFieldCodec<T>
    where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
{
    private static readonly bool Signed = T.IsNegative(T.MinValue);

    public void WriteField(ref Writer writer, uint fieldId, T value)
    {
        writer.WriteTag(fieldId, WireType.VarInt);
        if (Signed)
        {
            writer.WriteVarInt64(long.CreateTruncating(value));
        }
        else
        {
            writer.WriteVarUInt64(ulong.CreateTruncating(value));
        }
    }

    public T ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return default;
        }

        Reader.Expect(wireType, WireType.VarInt);
        return Signed ? T.CreateTruncating(reader.ReadVarInt64()) : T.CreateTruncating(reader.ReadVarUInt64());
    }

    public T DeepCopy(T value) => value;
}
