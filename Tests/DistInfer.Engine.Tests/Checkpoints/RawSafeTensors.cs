using System.Buffers.Binary;
using System.Text;

namespace DistInfer.Engine.Tests.Checkpoints;

/// <summary>Builds deliberately malformed safetensors files byte by byte.</summary>
internal static class RawSafeTensors
{
    /// <summary>Writes an 8-byte length (the header's, unless overridden), the header text and zeroed data bytes.</summary>
    public static string Write(string path, string header, int dataBytes, ulong? declaredHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
