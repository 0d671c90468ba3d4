using System.Runtime.InteropServices;

namespace DistInfer.Runtime.Serialization.Codecs;

/// <summary>Tensor buffers: raw little-endian float bytes, length then memcpy (or the array itself as a send segment when immutable and large).</summary>
public sealed class FloatArrayCodec : IFieldCodec<float[]>
{
    public void WriteField(ref Writer writer, uint fieldId, float[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }

        writer.WriteTag(fieldId, WireType.LengthPrefixed);
        var bytes = value.Length * sizeof(float);
        if (writer.CanBorrow(bytes))
        {
            writer.WriteLengthPrefixedBorrowed(new FloatArrayBytes(value).Memory);
        }
        else
        {
            writer.WriteLengthPrefixed(MemoryMarshal.AsBytes(value.AsSpan()));
        }
    }

    public float[] ReadValue(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }

        Reader.Expect(wireType, WireType.LengthPrefixed);
        var bytes = reader.ReadLengthPrefixed();
        var result = GC.AllocateUninitializedArray<float>(bytes.Length / sizeof(float));
        bytes[..(result.Length * sizeof(float))].CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    public float[] DeepCopy(float[] value) => value is null ? null! : (float[])value.Clone();
}
