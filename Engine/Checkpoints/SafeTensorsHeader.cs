using System.Text.Json;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>The parsed and validated JSON header of one safetensors file.</summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafeTensorsHeader(Dictionary<string, TensorInfo> tensors, string[] names, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Names = names;
        Metadata = metadata;
    }

    public Dictionary<string, TensorInfo> Tensors { get; }

    /// <summary>Tensor names in header order.</summary>
    public string[] Names { get; }

    public Dictionary<string, string> Metadata { get; }

    /// <summary>Parses <paramref name="json"/> and checks every entry against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(byte[] json, long dataLength, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{path}: header must be a JSON object, found {root.ValueKind}");
            }

            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var names = new List<string>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, path);
                    continue;
                }

                var info = ReadTensor(property.Name, property.Value, dataLength, path);
                if (!tensors.TryAdd(info.Name, info))
                {
                    throw new CheckpointException($"{path}: tensor '{info.Name}' appears twice in the header");
                }

                names.Add(info.Name);
            }

            CheckOverlaps(tensors.Values, path);
            return new SafeTensorsHeader(tensors, [.. names], metadata);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{path}: header field '{MetadataKey}' must be an object of strings");
        }

        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(
                    $"{path}: header field '{MetadataKey}.{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static TensorInfo ReadTensor(string name, JsonElement entry, long dataLength, string path)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{path}: tensor '{name}' entry must be an object, found {entry.ValueKind}");
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointException($"{path}: tensor '{name}' lacks a string field 'dtype'");
        }

        string dtypeName = dtypeElement.GetString()!;
        if (!DTypeExtensions.TryParseSafeTensorsName(dtypeName, out var dtype))
        {
            throw new CheckpointException(
                $"{path}: tensor '{name}' has unsupported dtype '{dtypeName}' (supported: F32, F16, BF16, I64, I32)");
        }

        long[] shape = ReadIntegers(entry, "shape", name, path);
        long[] offsets = ReadIntegers(entry, "data_offsets", name, path);
        if (offsets.Length != 2)
        {
            throw new CheckpointException(
                $"{path}: tensor '{name}' field 'data_offsets' must hold [begin, end], found {offsets.Length} numbers");
        }

        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end)
        {
            throw new CheckpointException(
                $"{path}: tensor '{name}' has data_offsets begin {begin} > end {end}");
        }

        if (end > dataLength)
        {
            throw new CheckpointException(
                $"{path}: tensor '{name}' data_offsets end {end} is past the data section ({dataLength} bytes)");
        }

        long elements = 1;
        try
        {
            foreach (long d in shape)
            {
                elements = checked(elements * d);
            }

            long expected = checked(elements * dtype.SizeInBytes());
            if (expected != end - begin)
            {
                throw new CheckpointException(
                    $"{path}: tensor '{name}' holds {end - begin} bytes but shape [{string.Join(", ", shape)}] " +
                    $"of {dtypeName} needs {expected}");
            }
        }
        catch (OverflowException e)
        {
            throw new CheckpointException($"{path}: tensor '{name}' shape [{string.Join(", ", shape)}] is too large", e);
        }

        return new TensorInfo(name, dtype, shape, begin, end - begin);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string name, string path)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException($"{path}: tensor '{name}' lacks an array field '{field}'");
        }

        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw new CheckpointException(
                    $"{path}: tensor '{name}' field '{field}' must hold non-negative integers, found {item.GetRawText()}");
            }

            values[i++] = value;
        }

        return values;
    }

    private static void CheckOverlaps(IEnumerable<TensorInfo> tensors, string path)
    {
        var sorted = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataOffset).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            var previous = sorted[i - 1];
            var current = sorted[i];
            if (current.DataOffset < previous.DataOffset + previous.ByteLength)
            {
                throw new CheckpointException(
                    $"{path}: tensors '{previous.Name}' [{previous.DataOffset}, {previous.DataOffset + previous.ByteLength}) " +
                    $"and '{current.Name}' [{current.DataOffset}, {current.DataOffset + current.ByteLength}) overlap");
            }
        }
    }
}
