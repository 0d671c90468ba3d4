using System.Text.Json;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// A checkpoint split over several safetensors files, described by model.safetensors.index.json
/// ({"metadata": {...}, "weight_map": {tensor: file}}). Each shard is opened (and validated) once.
/// </summary>
public sealed class ShardedCheckpoint : ITensorSource
{
    private readonly Dictionary<string, SafeTensorsFile> _byTensor;
    private readonly SafeTensorsFile[] _shards;
    private readonly string[] _names;

    private ShardedCheckpoint(string indexPath, Dictionary<string, SafeTensorsFile> byTensor, SafeTensorsFile[] shards,
        string[] names, Dictionary<string, string> metadata)
    {
        IndexPath = indexPath;
        _byTensor = byTensor;
        _shards = shards;
        _names = names;
        Metadata = metadata;
    }

    public string IndexPath { get; }

    public string Description => IndexPath;

    /// <summary>The index's "metadata" object; non-string values (such as total_size) as their JSON text.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyList<SafeTensorsFile> Shards => _shards;

    public IReadOnlyCollection<string> Names => _names;

    public static ShardedCheckpoint Open(string indexPath)
    {
        ArgumentNullException.ThrowIfNull(indexPath);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(indexPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException($"{indexPath}: index file does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{indexPath}: cannot read index file ({e.Message})", e);
        }

        var (weightMap, metadata) = ParseIndex(json, indexPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var files = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, fileName) in weightMap)
            {
                if (!files.TryGetValue(fileName, out var shard))
                {
                    string shardPath = Path.Combine(directory, fileName);
                    if (!File.Exists(shardPath))
                    {
                        throw new CheckpointException(
                            $"{indexPath}: shard '{fileName}' (holding tensor '{tensor}') does not exist at {shardPath}");
                    }

                    shard = SafeTensorsFile.Open(shardPath);
                    files.Add(fileName, shard);
                }

                if (!shard.TryGetInfo(tensor, out _))
                {
                    throw new CheckpointException(
                        $"{indexPath}: tensor '{tensor}' is mapped to shard '{fileName}', which lacks it");
                }

                if (!byTensor.TryAdd(tensor, shard))
                {
                    throw new CheckpointException($"{indexPath}: tensor '{tensor}' appears twice in weight_map");
                }
            }

            return new ShardedCheckpoint(indexPath, byTensor, [.. files.Values], [.. byTensor.Keys], metadata);
        }
        catch
        {
            foreach (var file in files.Values)
            {
                file.Dispose();
            }

            throw;
        }
    }

    public bool TryGetInfo(string name, out TensorInfo info)
    {
        if (_byTensor.TryGetValue(name, out var shard))
        {
            return shard.TryGetInfo(name, out info);
        }

        info = null!;
        return false;
    }

    public TensorInfo GetInfo(string name) => ShardOf(name).GetInfo(name);

    /// <summary>The shard file that holds <paramref name="name"/>.</summary>
    public SafeTensorsFile ShardOf(string name) =>
        _byTensor.TryGetValue(name, out var shard)
            ? shard
            : throw new CheckpointException($"tensor '{name}' not found in {IndexPath}");

    public ReadOnlySpan<byte> GetBytes(string name) => ShardOf(name).GetBytes(name);

    public void ReadFloat32(string name, Span<float> destination) => ShardOf(name).ReadFloat32(name, destination);

    public float[] ReadFloat32(string name) => ShardOf(name).ReadFloat32(name);

    public long[] ReadInt64(string name) => ShardOf(name).ReadInt64(name);

    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
    }

    private static (List<KeyValuePair<string, string>> WeightMap, Dictionary<string, string> Metadata) ParseIndex(
        byte[] json, string indexPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{indexPath}: index is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{indexPath}: index lacks an object field 'weight_map'");
            }

            var weightMap = new List<KeyValuePair<string, string>>();
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(entry.Value.GetString()))
                {
                    throw new CheckpointException(
                        $"{indexPath}: weight_map entry for tensor '{entry.Name}' must be a file name, found {entry.Value.GetRawText()}");
                }

                weightMap.Add(new(entry.Name, entry.Value.GetString()!));
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in meta.EnumerateObject())
                {
                    metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String
                        ? entry.Value.GetString()!
                        : entry.Value.GetRawText();
                }
            }

            return (weightMap, metadata);
        }
    }
}
