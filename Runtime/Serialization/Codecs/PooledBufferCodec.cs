namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>
/// <see cref="PooledBuffer"/>: large ones travel as attachments (sent from the buffer, received into pooled memory),
/// small ones inline. Immutable, so local calls share the handle.
/// </summary>
public sealed class PooledBufferCodec : IFieldCodec<PooledBuffer>
{
    public void WriteField(ref Writer writer, uint fieldId, PooledBuffer value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        writer.WriteBufferField(fieldId, value);
    }

    public PooledBuffer ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        if (wireType == WireType.Attachment)
        {
            return reader.ReadAttachment<PooledBuffer>();
        }

        Reader.Expect(wireType, WireType.LengthPrefixed);
        return PooledBuffer.Unpooled(reader.ReadLengthPrefixed());
    }

    public PooledBuffer DeepCopy(PooledBuffer value) => value;
}
