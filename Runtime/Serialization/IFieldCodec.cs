namespace DistInfer.Runtime.Serialization;

/// <summary>Serializer of one type: writes a tagged field, reads a value after its tag, deep-copies for local calls.</summary>
public interface IFieldCodec<T>
{
    void WriteField(ref Writer writer, uint fieldId, T value);

    T ReadValue(ref Reader reader, WireType wireType);

    T DeepCopy(T value);
}
