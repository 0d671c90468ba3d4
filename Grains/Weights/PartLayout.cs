using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Engine.Tensors;

namespace DistInfer.Grains.Weights;

/// <summary>
/// The safetensors layout of a cached part: 8-byte header length, JSON header padded with spaces to a multiple of
/// 8, then the tensors back to back, largest element first then by name (naturally aligned). Deterministic, so the
/// expected file length of a part is known before reading it.
/// </summary>
internal sealed class PartLayout
{
    private PartLayout(ModelTensorEntry[] ordered, byte[] prefix, long length)
    {
        Ordered = ordered;
        Prefix = prefix;
        FileLength = length;
    }

    /// <summary>Tensors in file order.</summary>
    public ModelTensorEntry[] Ordered { get; }

    /// <summary>The 8-byte length and the padded header.</summary>
    public byte[] Prefix { get; }

    public long FileLength { get; }

    public long DataLength => FileLength - Prefix.Length;

    public static PartLayout Create(IReadOnlyList<ModelTensorEntry> tensors)
    {
        var sized = new List<(ModelTensorEntry Entry, int Size)>(tensors.Count);
        foreach (var t in tensors)
        {
            if (!DTypeExtensions.TryParseSafeTensorsName(t.DType, out var dtype))
            {
                throw new DistInferException($"tensor '{t.Name}': unknown dtype '{t.DType}'");
            }

            long elements = 1;
            foreach (var d in t.Shape)
            {
                elements = checked(elements * d);
            }

            if (elements * dtype.SizeInBytes() != t.ByteLength)
            {
                throw new DistInferException($"tensor '{t.Name}': {t.ByteLength} bytes do not match {t.DType} [{string.Join(", ", t.Shape)}]");
            }

            sized.Add((t, dtype.SizeInBytes()));
        }

        var ordered = sized.OrderByDescending(s => s.Size).ThenBy(s => s.Entry.Name, StringComparer.Ordinal).Select(s => s.Entry).ToArray();
        var json = new ArrayBufferWriter<byte>();
        long offset = 0;
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteEndObject();
            foreach (var t in ordered)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DType);
                writer.WriteStartArray("shape");
                foreach (var d in t.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + t.ByteLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += t.ByteLength;
            }

            writer.WriteEndObject();
        }

        var headerLength = (json.WrittenCount + 7) / 8 * 8;
        var prefix = new byte[8 + headerLength];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        json.WrittenSpan.CopyTo(prefix.AsSpan(8));
        prefix.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return new PartLayout(ordered, prefix, prefix.Length + offset);
    }
}
