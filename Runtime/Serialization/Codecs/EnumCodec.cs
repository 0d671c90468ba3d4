using System.Runtime.CompilerServices;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Enums as zigzag varints of their numeric value, whatever the underlying type.</summary>
public sealed class EnumCodec<T> : IFieldCodec<T>
    where T : struct, Enum
{
    public void WriteField(ref Writer writer, uint fieldId, T value)
    {
        writer.WriteTag(fieldId, WireType.VarInt);
        writer.WriteVarInt64(ToInt64(value));
    }

    public T ReadValue(ref Reader reader, WireType wireType)
    {
        Reader.Expect(wireType, WireType.VarInt);
        return FromInt64(reader.ReadVarInt64());
    }

    public T DeepCopy(T value) => value;

    private static long ToInt64(T value) => Unsafe.SizeOf<T>() switch
    {
        1 => Unsafe.As<T, sbyte>(ref value),
        2 => Unsafe.As<T, short>(ref value),
        4 => Unsafe.As<T, int>(ref value),
        _ => Unsafe.As<T, long>(ref value),
    };

    private static T FromInt64(long raw)
    {
        T result = default;
        switch (Unsafe.SizeOf<T>())
        {
            case 1:
                Unsafe.As<T, sbyte>(ref result) = (sbyte)raw;
                break;
            case 2:
                Unsafe.As<T, short>(ref result) = (short)raw;
                break;
            case 4:
                Unsafe.As<T, int>(ref result) = (int)raw;
                break;
            default:
                Unsafe.As<T, long>(ref result) = raw;
                break;
        }

        return result;
    }
}
