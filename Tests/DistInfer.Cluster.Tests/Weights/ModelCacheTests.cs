using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

public sealed class ModelCacheTests : IDisposable
{
    private static readonly string ModelPath = RepoPaths.Fixture("qwen3_moe");
    private readonly TempDirectory _root = new();
    private readonly ModelFileServer _server = new(static _ => true);

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task EnsurePartAsync_EmptyCache_WritesSafeTensorsFileWithTheSourceBytes()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var source = new RecordingFileSource(_server);
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10);

        var fetched = await cache.EnsurePartAsync(manifest, tensors, source, ModelPath);

        Assert.Equal(tensors.Sum(t => t.ByteLength), fetched);
        var path = cache.PartPath(manifest, tensors.Select(t => t.Name));
        Assert.Null(cache.CheckPart(path, tensors));
        using var part = SafeTensorsFile.Open(path);
        using var original = Checkpoint.Open(ModelPath);
        Assert.Equal(tensors.Select(t => t.Name).Order(), part.Names.Order());
        foreach (var t in tensors)
        {
            Assert.True(original.GetBytes(t.Name).SequenceEqual(part.GetBytes(t.Name)), $"tensor {t.Name} differs");
        }
    }

    [Fact]
    public async Task EnsurePartAsync_SecondCall_HitsCacheWithoutReading()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path);
        await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);
        var again = new RecordingFileSource(_server);

        var fetched = await cache.EnsurePartAsync(manifest, tensors, again, ModelPath);

        Assert.Equal(0, fetched);
        Assert.Equal(0, again.TensorCalls);
    }

    [Fact]
    public async Task EnsurePartAsync_TruncatedPart_IsDetectedAndFetchedAgain()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path);
        await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);
        var path = cache.PartPath(manifest, tensors.Select(t => t.Name));
        var length = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(length / 2);
        }

        Assert.Contains("expected", cache.CheckPart(path, tensors));
        var fetched = await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);

        Assert.Equal(tensors.Sum(t => t.ByteLength), fetched);
        Assert.Equal(length, new FileInfo(path).Length);
        Assert.Null(cache.CheckPart(path, tensors));
    }

    [Fact]
    public async Task CheckPart_FlippedByte_ReportsChecksumMismatchAndEnsureRepairs()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path);
        await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);
        var path = cache.PartPath(manifest, tensors.Select(t => t.Name));
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        Assert.Equal("checksum mismatch", cache.CheckPart(path, tensors));
        await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);

        Assert.Null(cache.CheckPart(path, tensors));
    }

    [Fact]
    public async Task CheckPart_NoChecksumFile_CountsAsIncomplete()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path);
        await cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), ModelPath);
        var path = cache.PartPath(manifest, tensors.Select(t => t.Name));
        File.Delete(path + ".sha256");

        Assert.StartsWith("incomplete", cache.CheckPart(path, tensors));
    }

    [Fact]
    public async Task EnsurePartAsync_SourceFailsMidway_LeavesNothingInTheCache()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10, chunksInFlight: 1);
        var source = new RecordingFileSource(_server) { FailTensorCall = 2 };

        await Assert.ThrowsAsync<IOException>(() => cache.EnsurePartAsync(manifest, tensors, source, ModelPath));

        var path = cache.PartPath(manifest, tensors.Select(t => t.Name));
        Assert.Equal("missing", cache.CheckPart(path, tensors));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task EnsurePartAsync_ConcurrentCallsForOnePart_ShipItOnce()
    {
        var (manifest, tensors) = await StageZeroAsync();
        var cache = new ModelCache(_root.Path);
        var source = new RecordingFileSource(_server);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => cache.EnsurePartAsync(manifest, tensors, source, ModelPath))));

        var total = tensors.Sum(t => t.ByteLength);
        Assert.All(results, r => Assert.True(r == 0 || r == total));
        Assert.Equal(total, source.Bytes);
        Assert.Equal(total, cache.BytesFetched);
    }

    [Fact]
    public async Task EnsureFilesAsync_ShipsConfigSoTheModelConfigReads()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var cache = new ModelCache(_root.Path);

        var directory = await cache.EnsureFilesAsync(manifest, new RecordingFileSource(_server), ModelPath);

        Assert.StartsWith(_root.Path, directory);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(ModelPath, "config.json")), await File.ReadAllBytesAsync(Path.Combine(directory, "config.json")));
        Assert.Equal(ModelConfigReader.Load(ModelPath), ModelConfigReader.Load(directory), ConfigComparer.Instance);
        Assert.DoesNotContain(manifest.Files, f => f.Name.EndsWith(".safetensors", StringComparison.Ordinal));
    }

    /// <summary>File names and the fingerprint come from a peer's manifest: they could point outside the cache (review finding).</summary>
    [Theory]
    [InlineData("../escape.txt", null)]
    [InlineData("/tmp/escape.txt", null)]
    [InlineData("sub/escape.txt", null)]
    [InlineData("config.json", "../../escape")]
    public async Task EnsureFilesAsync_ManifestNamesAPathOutsideTheCache_RefusedAndNothingWritten(string name, string? fingerprint)
    {
        var real = (await _server.GetManifestAsync(ModelPath))!;
        var config = real.Files.Single(f => f.Name == "config.json");
        var manifest = real with { Fingerprint = fingerprint ?? real.Fingerprint, Files = [config with { Name = name }] };
        var cache = new ModelCache(Path.Combine(_root.Path, "cache"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => cache.EnsureFilesAsync(manifest, new RecordingFileSource(_server), ModelPath));

        Assert.Contains(fingerprint ?? name, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_root.Path, "escape*", SearchOption.AllDirectories));
        Assert.False(File.Exists("/tmp/escape.txt"));
    }

    [Fact]
    public async Task ClusterSource_NoSiloLeftToServe_ClearErrorNotDivisionByZero()
    {
        var source = new ClusterModelFileSource(null!, []);

        var error = await Assert.ThrowsAsync<Engine.DistInferException>(() => source.ReadTensorAsync(ModelPath, "w", 0, 16));

        Assert.Contains("no silo can read the model's path", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A peer could ask for a whole tensor in one call (gigabytes allocated), or overflow offset + length.</summary>
    [Theory]
    [InlineData(0L, (64 << 20) + 1)]
    [InlineData(long.MaxValue - 10, 100)]
    [InlineData(-1L, 10)]
    public void CheckRange_OverTheChunkLimitOrOutside_Throws(long offset, int length)
    {
        Assert.Throws<Engine.DistInferException>(() => ModelFileServer.CheckRange("m", "t", 1L << 40, offset, length));
        ModelFileServer.CheckRange("m", "t", 1L << 40, 0, 64 << 20);
    }

    [Fact]
    public async Task GetManifestAsync_SameFolderTwice_SameFingerprint_OtherModel_Different()
    {
        using var other = new ModelFileServer(static _ => true);
        var a = (await _server.GetManifestAsync(ModelPath))!;
        var b = (await other.GetManifestAsync(ModelPath))!;
        var c = (await _server.GetManifestAsync(RepoPaths.Fixture("mixtral")))!;

        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
        Assert.NotEqual(new ModelCache(_root.Path).ModelDirectory(a), new ModelCache(_root.Path).ModelDirectory(c));
    }

    [Fact]
    public async Task ReadFileAsync_NameOutsideTheManifest_IsRefused()
    {
        await Assert.ThrowsAsync<Engine.DistInferException>(() => _server.ReadFileAsync(ModelPath, "../../../etc/passwd", 0, 10));
        await Assert.ThrowsAsync<Engine.DistInferException>(() => _server.ReadFileAsync(ModelPath, "model.safetensors", 0, 10));
    }

    [Fact]
    public async Task GetManifestAsync_PathHiddenFromTheSilo_ReturnsNull()
    {
        using var hidden = new ModelFileServer(static _ => false);

        Assert.Null(await hidden.GetManifestAsync(ModelPath));
        await Assert.ThrowsAsync<Engine.DistInferException>(() => hidden.ReadTensorAsync(ModelPath, "lm_head.weight", 0, 4));
    }

    private async Task<(ModelManifest Manifest, List<ModelTensorEntry> Tensors)> StageZeroAsync()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var config = ModelConfigReader.Load(ModelPath);
        var names = TensorSelection.Stage(config, manifest.Tensors.Select(t => t.Name).ToList(), 0, 1, embedding: true, head: false);
        return (manifest, [.. manifest.Tensors.Where(t => names.Contains(t.Name))]);
    }

    /// <summary>ModelConfig holds arrays, so records compare them by reference; compare the printed form.</summary>
    private sealed class ConfigComparer : IEqualityComparer<ModelConfig>
    {
        public static readonly ConfigComparer Instance = new();

        public bool Equals(ModelConfig? x, ModelConfig? y) =>
            x is not null && y is not null && x.NumLayers == y.NumLayers && x.HiddenSize == y.HiddenSize && x.NumExperts == y.NumExperts
            && x.VocabSize == y.VocabSize && x.MoeLayers.SequenceEqual(y.MoeLayers);

        public int GetHashCode(ModelConfig obj) => obj.NumLayers;
    }
}
