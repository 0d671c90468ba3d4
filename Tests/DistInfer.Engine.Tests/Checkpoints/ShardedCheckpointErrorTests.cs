using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Tests.Checkpoints;

public sealed class ShardedCheckpointErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("""{"metadata":{},"weight_map":{"w":"model-00001-of-00002.safetensors"}}""", "shard 'model-00001-of-00002.safetensors' (holding tensor 'w') does not exist")]
    [InlineData("{weight_map:", "index is not valid JSON")]
    [InlineData("""{"metadata":{"total_size":4}}""", "'weight_map'")]
    [InlineData("""{"weight_map":{"w":3}}""", "weight_map entry for tensor 'w' must be a file name")]
    public void Open_BadIndex_ThrowsNamingIndexAndCulprit(string json, string expected)
    {
        string index = WriteIndex(json);

        var e = Assert.Throws<CheckpointException>(() => ShardedCheckpoint.Open(index));

        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorMappedToShardLackingIt_ThrowsNamingTensorAndShard()
    {
        SafeTensorsWriter.Write(_temp.File("a.safetensors"), [TensorData.FromFloat32("w", [1], [1f])]);
        string index = WriteIndex("""{"weight_map":{"w":"a.safetensors","v":"a.safetensors"}}""");

        var e = Assert.Throws<CheckpointException>(() => ShardedCheckpoint.Open(index));

        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'v' is mapped to shard 'a.safetensors', which lacks it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CorruptShard_ThrowsNamingShardFile()
    {
        string shard = RawSafeTensors.Write(_temp.File("bad.safetensors"), "{", 0);
        string index = WriteIndex("""{"weight_map":{"w":"bad.safetensors"}}""");

        var e = Assert.Throws<CheckpointException>(() => ShardedCheckpoint.Open(index));

        Assert.Contains(shard, e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetInfo_TensorNotInWeightMap_ThrowsNotFoundNamingIndex()
    {
        SafeTensorsWriter.WriteSharded(_temp.Path, [TensorData.FromFloat32("w", [1], [1f])], 1024);
        string index = _temp.File(SafeTensorsWriter.IndexFileName);
        using var source = ShardedCheckpoint.Open(index);

        var e = Assert.Throws<CheckpointException>(() => source.ReadFloat32("x"));

        Assert.Equal($"tensor 'x' not found in {index}", e.Message);
    }

    [Fact]
    public void CheckpointOpen_DirectoryWithoutWeights_ThrowsNamingDirectory()
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Open(_temp.Path));

        Assert.Equal($"no model.safetensors or model.safetensors.index.json in {_temp.Path}", e.Message);
    }

    [Fact]
    public void CheckpointOpen_MissingPath_ThrowsNamingPath()
    {
        string path = _temp.File("nowhere");

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    private string WriteIndex(string json)
    {
        string path = _temp.File(SafeTensorsWriter.IndexFileName);
        File.WriteAllText(path, json);
        return path;
    }
}
