using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>
/// Grain references as arguments or results: the grain id travels; the reader binds a proxy to the runtime that is
/// decoding the message (<see cref="RuntimeContext"/>). References are immutable, so copies share them.
/// </summary>
public sealed class GrainReferenceCodec<T> : IFieldCodec<T>
    where T : class, IAddressable
{
    public void WriteField(ref Writer writer, uint fieldId, T value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        Codec<GrainId>.Instance.WriteField(ref writer, fieldId, value.GetGrainId());
    }

    public T ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        var id = Codec<GrainId>.Instance.ReadValue(ref reader, wireType);
        var runtime = RuntimeContext.Current
            ?? throw new SerializationException($"A grain reference ({typeof(T).Name}) can only be read while a runtime decodes a message");
        return (T)(object)GrainTypeRegistry.GetInterface(typeof(T)).ProxyFactory(id, runtime);
    }

    public T DeepCopy(T value) => value;
}
