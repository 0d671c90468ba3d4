namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Stands in for a type without a serializer so the error names the type when it is first used.</summary>
public sealed class MissingCodec<T> : IFieldCodec<T>
{
    private static string Message =>
        $"No serializer for type '{typeof(T).FullName}': mark it [GenerateSerializer] and its members [Id(n)]";

    public void WriteField(ref Writer writer, uint fieldId, T value) => throw new SerializationException(Message);

    public T ReadValue(ref Reader reader, WireType wireType) => throw new SerializationException(Message);

    public T DeepCopy(T value) => throw new SerializationException(Message);
}
