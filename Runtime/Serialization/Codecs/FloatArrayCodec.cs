using System.Runtime.InteropServices;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Tensor buffers: raw little-endian float bytes, length then memcpy, or (large) a frame attachment received straight into the final array.</summary>
public sealed class FloatArrayCodec : IFieldCodec<float[]>
{
    public void WriteField(ref Writer writer, uint fieldId, float[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        var bytes = value.Length * sizeof(float);
        if (bytes < PayloadThresholds.AttachBytes)
        {
            writer.WriteTag(fieldId, WireType.LengthPrefixed);
            writer.WriteLengthPrefixed(MemoryMarshal.AsBytes(value.AsSpan()));
            return;
        }

        writer.WriteArrayField(fieldId, new FloatArrayBytes(value).Memory, AttachmentKind.Floats);
    }

    public float[] ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        if (wireType == WireType.Attachment)
        {
            return reader.ReadAttachment<float[]>();
        }

        Reader.Expect(wireType, WireType.LengthPrefixed);
        var bytes = reader.ReadLengthPrefixed();
        var result = GC.AllocateUninitializedArray<float>(bytes.Length / sizeof(float));
        bytes[..(result.Length * sizeof(float))].CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    public float[] DeepCopy(float[] value) => value is null ? null! : (float[])value.Clone();
}
