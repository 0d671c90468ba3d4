using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>
/// <see cref="StreamPayload"/> on the wire: its bytes (serialized on first need), as a <see cref="PooledBuffer"/>
/// field; the receiver reads a bytes-only payload. Immutable, so local calls share the handle.
/// </summary>
public sealed class StreamPayloadCodec : IFieldCodec<StreamPayload>
{
    private readonly PooledBufferCodec _bytes = new();

    public void WriteField(ref Writer writer, uint fieldId, StreamPayload value) => _bytes.WriteField(ref writer, fieldId, value?.Bytes!);

    public StreamPayload ReadValue(ref Reader reader, WireType wireType) =>
        _bytes.ReadValue(ref reader, wireType) is { } bytes ? StreamPayload.Over(bytes) : null!;

    public StreamPayload DeepCopy(StreamPayload value) => value;
}
