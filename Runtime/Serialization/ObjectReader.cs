namespace DistInfer.Runtime.Serialization;

/// <summary>The one read loop of an object's fields: tags up to its end marker, unknown ones skipped (version tolerance).</summary>
public static class ObjectReader
{
    /// <summary>Reads the fields after a <see cref="WireType.StartObject"/> tag through its <see cref="WireType.EndObject"/>.</summary>
    public static void Read<TVisitor>(ref Reader reader, ref TVisitor visitor)
        where TVisitor : struct, IFieldVisitor
    {
        while (true)
        {
            var field = reader.ReadTag();
            if (field.IsEnd)
            {
                return;
            }

            if (!visitor.ReadField(ref reader, field))
            {
                reader.SkipField(field.WireType);
            }
        }
    }
}
