using System.Buffers;
using System.Text.Json;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Writes safetensors files the way the reference implementation lays them out: 8-byte header length, JSON header
/// padded with spaces to a multiple of 8, then tensors back to back (largest element size first, then by name, so
/// every tensor stays naturally aligned). Tensors are streamed: only one chunk buffer is held at a time.
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>Bytes handed to a <see cref="TensorChunkFiller"/> per call (the last chunk of a tensor may be shorter).</summary>
    public const int ChunkBytes = 64 << 20;

    public const string IndexFileName = "model.safetensors.index.json";

    private static readonly Dictionary<string, string> DefaultMetadata = new() { ["format"] = "pt" };

    /// <summary>Writes in-memory tensors to one file; metadata defaults to {"format": "pt"} as transformers expects.</summary>
    public static void Write(string path, IReadOnlyList<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var (specs, fill) = FromData(tensors);
        Write(path, specs, fill, metadata);
    }

    /// <summary>Writes tensors whose bytes <paramref name="fill"/> produces chunk by chunk, in file order.</summary>
    public static void Write(string path, IReadOnlyList<TensorSpec> tensors, TensorChunkFiller fill,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(fill);
        var ordered = Validate(tensors)
            .OrderByDescending(t => t.DType.SizeInBytes())
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
        byte[] header = BuildHeader(ordered, metadata ?? DefaultMetadata);

        long maxTensor = 0;
        long total = 0;
        foreach (var t in ordered)
        {
            maxTensor = Math.Max(maxTensor, t.ByteLength);
            total += t.ByteLength;
        }

        // Write beside the target and rename, so an interrupted run never leaves a plausible-looking file.
        string temporary = path + ".partial";
        try
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            stream.SetLength(8 + header.Length + total);
            Span<byte> length = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            WriteTensors(stream, ordered, fill, (int)Math.Clamp(maxTensor, 1, ChunkBytes));
        }
        catch
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw;
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Double-buffered: the next chunk is filled while the previous one is written.</summary>
    private static void WriteTensors(FileStream stream, TensorSpec[] ordered, TensorChunkFiller fill, int bufferBytes)
    {
        byte[][] buffers = [GC.AllocateUninitializedArray<byte>(bufferBytes), GC.AllocateUninitializedArray<byte>(bufferBytes)];
        int which = 0;
        var pending = Task.CompletedTask;
        try
        {
            foreach (var tensor in ordered)
            {
                long size = tensor.ByteLength;
                for (long offset = 0; offset < size; offset += ChunkBytes)
                {
                    int n = (int)Math.Min(ChunkBytes, size - offset);
                    byte[] buffer = buffers[which];
                    fill(tensor, offset, buffer.AsMemory(0, n));
                    pending.GetAwaiter().GetResult();
                    pending = Task.Run(() => stream.Write(buffer, 0, n));
                    which ^= 1;
                }
            }

            pending.GetAwaiter().GetResult();
        }
        catch
        {
            // Never let the stream be disposed under a write still in flight.
            try
            {
                pending.Wait();
            }
            catch (AggregateException)
            {
            }

            throw;
        }
    }

    /// <summary>
    /// Writes model-0000k-of-0000n.safetensors shards of at most <paramref name="maxShardBytes"/> of tensor data
    /// (a larger tensor gets a shard of its own), packing tensors in the given order, plus the index file.
    /// Returns the shard file names.
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(string directory, IReadOnlyList<TensorData> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var (specs, fill) = FromData(tensors);
        return WriteSharded(directory, specs, fill, maxShardBytes, metadata);
    }

    public static IReadOnlyList<string> WriteSharded(string directory, IReadOnlyList<TensorSpec> tensors, TensorChunkFiller fill,
        long maxShardBytes, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        Validate(tensors);
        var shards = new List<List<TensorSpec>>();
        long current = 0;
        foreach (var tensor in tensors)
        {
            if (shards.Count == 0 || (current > 0 && current + tensor.ByteLength > maxShardBytes))
            {
                shards.Add([]);
                current = 0;
            }

            shards[^1].Add(tensor);
            current += tensor.ByteLength;
        }

        Directory.CreateDirectory(directory);
        var names = new string[shards.Count];
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            names[i] = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, names[i]), shards[i], fill, metadata);
            foreach (var tensor in shards[i])
            {
                weightMap[tensor.Name] = names[i];
                totalSize += tensor.ByteLength;
            }
        }

        WriteIndex(Path.Combine(directory, IndexFileName), weightMap, totalSize);
        return names;
    }

    internal static byte[] BuildHeader(IReadOnlyList<TensorSpec> ordered, IReadOnlyDictionary<string, string> metadata)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToSafeTensorsName());
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.ByteLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        int padded = (output.WrittenCount + 7) & ~7;
        byte[] header = new byte[padded];
        output.WrittenSpan.CopyTo(header);
        header.AsSpan(output.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteIndex(string path, SortedDictionary<string, string> weightMap, long totalSize)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", totalSize);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (name, file) in weightMap)
        {
            json.WriteString(name, file);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static IReadOnlyList<TensorSpec> Validate(IReadOnlyList<TensorSpec> tensors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (tensor.Name == "__metadata__" || !seen.Add(tensor.Name))
            {
                throw new ArgumentException($"tensor name '{tensor.Name}' is reserved or used twice", nameof(tensors));
            }

            if (Array.Exists(tensor.Shape, d => d < 0))
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has a negative dimension in [{string.Join(", ", tensor.Shape)}]", nameof(tensors));
            }
        }

        return tensors;
    }

    private static (TensorSpec[] Specs, TensorChunkFiller Fill) FromData(IReadOnlyList<TensorData> tensors)
    {
        var specs = new TensorSpec[tensors.Count];
        var byName = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            var data = tensors[i];
            specs[i] = data.Spec;
            if (data.Data.Length != specs[i].ByteLength)
            {
                throw new ArgumentException(
                    $"tensor '{data.Name}' has {data.Data.Length} bytes but shape [{string.Join(", ", data.Shape)}] " +
                    $"of {data.DType.ToSafeTensorsName()} needs {specs[i].ByteLength}", nameof(tensors));
            }

            byName[data.Name] = data.Data;
        }

        return (specs, (spec, offset, destination) =>
            byName[spec.Name].Span.Slice((int)offset, destination.Length).CopyTo(destination.Span));
    }
}
