namespace DistInfer.Runtime.Serialization.Codecs;

public sealed class NullableCodec<T> : IFieldCodec<T?>
    where T : struct
{
    public void WriteField(ref Writer writer, uint fieldId, T? value)
    {
        if (value is { } v)
        {
            Codec<T>.Instance.WriteField(ref writer, fieldId, v);
        }
        else
        {
            writer.WriteNull(fieldId);
        }
    }

    public T? ReadValue(ref Reader reader, WireType wireType) =>
        wireType == WireType.Null ? null : Codec<T>.Instance.ReadValue(ref reader, wireType);

    public T? DeepCopy(T? value) => value is { } v ? Codec<T>.Instance.DeepCopy(v) : null;
}
