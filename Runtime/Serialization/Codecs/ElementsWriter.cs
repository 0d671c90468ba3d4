namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>The wire shape arrays and lists share: an object holding field 0 = count, then each element as field 1.</summary>
internal static class ElementsWriter
{
    public static void Write<T>(ref Writer writer, uint fieldId, ReadOnlySpan<T> items)
    {
        var codec = Codec<T>.Instance;
        writer.WriteStartObject(fieldId);
        writer.WriteTag(0, WireType.VarInt);
        writer.WriteVarUInt64((ulong)items.Length);
        foreach (var item in items)
        {
            codec.WriteField(ref writer, 1, item);
        }

        writer.WriteEndObject();
    }
}
