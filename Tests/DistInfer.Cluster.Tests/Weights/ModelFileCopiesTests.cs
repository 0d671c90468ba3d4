using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Checkpoints;
using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>
/// A part shipped from several silos' copies of the model path: every byte of it must come from one copy, checked
/// against that copy. Before, chunks failed over one by one and the change check asked one silo, so a part could mix
/// two versions of the checkpoint (review finding).
/// </summary>
public sealed class ModelFileCopiesTests : IDisposable
{
    private static readonly string ModelPath = RepoPaths.Fixture("qwen3_moe");
    private readonly TempDirectory _root = new();
    private readonly ModelFileServer _server = new(static _ => true);
    private readonly ModelFileServer _secondServer = new(static _ => true);

    public void Dispose()
    {
        _server.Dispose();
        _secondServer.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task EnsurePartAsync_FirstCopyFailsMidway_WholePartShippedAgainFromTheNextCopy()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var failing = new RecordingFileSource(_server) { FailTensorCall = 2 };
        var next = new RecordingFileSource(_secondServer);
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10, chunksInFlight: 1);

        var fetched = await cache.EnsurePartAsync(manifest, manifest.Tensors, new CopiesFileSource(failing, next), ModelPath);

        var total = manifest.Tensors.Sum(t => t.ByteLength);
        Assert.Equal(total, fetched);
        Assert.True(failing.Bytes > 0);
        // Restarted, not resumed: the next copy served every byte, and what the failed copy gave is not counted.
        Assert.Equal(total, next.Bytes);
        Assert.Equal(total, cache.BytesFetched);
        AssertPartEqualsTheSource(cache, manifest);
    }

    [Fact]
    public async Task EnsurePartAsync_NextCopyIsAnotherVersion_ThrowsChangedAndKeepsNothing()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var failing = new RecordingFileSource(_server) { FailTensorCall = 2 };
        var other = new OtherVersionFileSource(new RecordingFileSource(_secondServer));
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10, chunksInFlight: 1);

        var error = await Assert.ThrowsAsync<ModelDirectoryChangedException>(
            () => cache.EnsurePartAsync(manifest, manifest.Tensors, new CopiesFileSource(failing, other), ModelPath));

        Assert.Contains(ModelPath, error.Message, StringComparison.Ordinal);
        var part = cache.PartPath(manifest, manifest.Tensors.Select(t => t.Name));
        Assert.Equal("missing", cache.CheckPart(part, manifest.Tensors));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(part)!));
        Assert.Equal(0, cache.BytesFetched);
    }

    [Fact]
    public async Task EnsurePartAsync_AnotherVersionBetweenTwoGoodCopies_WholePartFromTheLastCopy()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var failing = new RecordingFileSource(_server) { FailTensorCall = 2 };
        var other = new OtherVersionFileSource(new RecordingFileSource(_secondServer));
        var good = new RecordingFileSource(_secondServer);
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10, chunksInFlight: 1);

        await cache.EnsurePartAsync(manifest, manifest.Tensors, new CopiesFileSource(failing, other, good), ModelPath);

        var total = manifest.Tensors.Sum(t => t.ByteLength);
        Assert.Equal(total, other.Bytes);
        Assert.Equal(total, good.Bytes);
        Assert.Equal(total, cache.BytesFetched);
        AssertPartEqualsTheSource(cache, manifest);
    }

    [Fact]
    public async Task EnsurePartAsync_FirstCopyWorks_NextCopyNeverAsked()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var first = new RecordingFileSource(_server);
        var next = new RecordingFileSource(_secondServer);
        var cache = new ModelCache(_root.Path, chunkBytes: 64 << 10);

        await cache.EnsurePartAsync(manifest, manifest.Tensors, new CopiesFileSource(first, next), ModelPath);

        Assert.Equal(manifest.Tensors.Sum(t => t.ByteLength), first.Bytes);
        Assert.Equal(0, next.TensorCalls);
    }

    private static void AssertPartEqualsTheSource(ModelCache cache, ModelManifest manifest)
    {
        var path = cache.PartPath(manifest, manifest.Tensors.Select(t => t.Name));
        Assert.Null(cache.CheckPart(path, manifest.Tensors));
        using var part = SafeTensorsFile.Open(path);
        using var original = Checkpoint.Open(ModelPath);
        foreach (var t in manifest.Tensors)
        {
            Assert.True(original.GetBytes(t.Name).SequenceEqual(part.GetBytes(t.Name)), $"tensor {t.Name} differs from the source's");
        }
    }
}
