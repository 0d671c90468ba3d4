using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Grains;
using DistInfer.Grains.Weights;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>
/// A checkpoint re-exported in place under the path a silo has open: the next manifest request reopens it, and a
/// fetch that straddles the change keeps nothing. Before, the server kept the first manifest and map for good.
/// </summary>
public sealed class ModelDirectoryChangeTests : IDisposable
{
    /// <summary>Set explicitly on rewritten files, so a change never hinges on the clock having moved.</summary>
    private static readonly DateTime Rewritten = new(2031, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private readonly TempDirectory _temp = new();
    private readonly ModelFileServer _server = new(static _ => true);
    private readonly string _model;

    public ModelDirectoryChangeTests()
    {
        _model = _temp.Combine("olmoe");
        Directory.CreateDirectory(_model);
        foreach (var file in Directory.GetFiles(RepoPaths.Fixture("olmoe")))
        {
            File.Copy(file, Path.Combine(_model, Path.GetFileName(file)));
        }
    }

    private string Weights => Path.Combine(_model, Checkpoint.SingleFileName);

    private string Config => Path.Combine(_model, "config.json");

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task GetManifestAsync_UnchangedDirectory_ReusesTheOpenModel()
    {
        var first = await _server.GetManifestAsync(_model);

        var second = await _server.GetManifestAsync(_model);

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task GetManifestAsync_WeightFileReplaced_NewFingerprintAndNewBytesServed()
    {
        var before = (await _server.GetManifestAsync(_model))!;
        var oldBytes = await ReadAllTensorsAsync(before);

        ReplaceWeights();
        var after = (await _server.GetManifestAsync(_model))!;

        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
        Assert.NotEqual(before.ContentFingerprint, after.ContentFingerprint);
        var served = await ReadAllTensorsAsync(after);
        using var current = Checkpoint.Open(_model);
        Assert.All(served, t => Assert.True(current.GetBytes(t.Key).SequenceEqual(t.Value), $"tensor {t.Key} is not the new file's"));
        Assert.Contains(served, t => !oldBytes[t.Key].AsSpan().SequenceEqual(t.Value));
    }

    [Fact]
    public async Task GetManifestAsync_ConfigChanged_NewFingerprintAndFileEntry()
    {
        var before = (await _server.GetManifestAsync(_model))!;

        RewriteConfig(File.ReadAllText(Config) + "\n");
        var after = (await _server.GetManifestAsync(_model))!;

        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
        Assert.NotEqual(before.ContentFingerprint, after.ContentFingerprint);
        Assert.Equal(new FileInfo(Config).Length, after.Files.Single(f => f.Name == "config.json").Length);
    }

    [Fact]
    public async Task GetManifestAsync_FileAdded_ManifestListsIt()
    {
        var before = (await _server.GetManifestAsync(_model))!;

        File.WriteAllText(Path.Combine(_model, "generation_config.json"), "{\"do_sample\": false}");
        var after = (await _server.GetManifestAsync(_model))!;

        Assert.DoesNotContain(before.Files, f => f.Name == "generation_config.json");
        Assert.Contains(after.Files, f => f.Name == "generation_config.json");
        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
    }

    [Fact]
    public async Task EnsurePartAsync_WeightsReplacedAfterManifest_ThrowsChangedAndCachesNothing()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var tensors = manifest.Tensors;
        var cache = new ModelCache(_temp.Combine("cache"), chunkBytes: 64 << 10);
        ReplaceWeights();

        var error = await Assert.ThrowsAsync<ModelDirectoryChangedException>(() => cache.EnsurePartAsync(manifest, tensors, new RecordingFileSource(_server), _model));

        Assert.Contains($"model directory {_model} changed on disk while being shipped", error.Message, StringComparison.Ordinal);
        Assert.Equal("missing", cache.CheckPart(cache.PartPath(manifest, tensors.Select(t => t.Name)), tensors));
    }

    [Fact]
    public async Task EnsurePartAsync_ServerReopenedBeforeChunkReads_ThrowsChanged()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var cache = new ModelCache(_temp.Combine("cache"), chunkBytes: 64 << 10);
        ReplaceWeights();
        // Another silo's request reopens the directory: the chunks now come from the new file.
        await _server.GetManifestAsync(_model);

        await Assert.ThrowsAsync<ModelDirectoryChangedException>(() => cache.EnsurePartAsync(manifest, manifest.Tensors, new RecordingFileSource(_server), _model));
    }

    [Fact]
    public async Task EnsureFilesAsync_ConfigRewrittenAfterManifest_ThrowsChangedAndKeepsNoFile()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var cache = new ModelCache(_temp.Combine("cache"));
        RewriteConfig("{}");

        var error = await Assert.ThrowsAsync<ModelDirectoryChangedException>(() => cache.EnsureFilesAsync(manifest, new RecordingFileSource(_server), _model));

        Assert.Contains(_model, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(cache.ModelDirectory(manifest)) ? Directory.GetFiles(cache.ModelDirectory(manifest)) : []);
    }

    [Fact]
    public async Task EnsurePartAsync_OtherModelWrittenOverBeforeChunkReads_ThrowsChangedOverTheSourceError()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var cache = new ModelCache(_temp.Combine("cache"));
        OverwriteWith("mixtral");
        await _server.GetManifestAsync(_model);

        var error = await Assert.ThrowsAsync<ModelDirectoryChangedException>(() => cache.EnsurePartAsync(manifest, manifest.Tensors, new RecordingFileSource(_server), _model));

        // The source refused an old tensor name or range; the error says why instead.
        Assert.True(error.InnerException is DistInferException, error.ToString());
    }

    [Fact]
    public async Task StoreGetManifestAsync_PathOnlyOnOtherSiloOverwritten_NewManifestAndConfigShipped()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) => services.Configure<WeightsOptions>(o =>
        {
            o.CacheDirectory = _temp.Combine("cache" + index);
            o.IsLocalPath = index == 0 ? Directory.Exists : static _ => false;
        }));
        var store = cluster.Silos[1].Services.GetRequiredService<ModelWeightStore>();
        string[] sources = [cluster.Silos[0].Address.ToString()];
        var before = await store.GetManifestAsync(_model, sources);
        await store.ResolveDirectoryAsync(_model, sources);

        OverwriteWith("mixtral");
        var after = await store.GetManifestAsync(_model, sources);
        var directory = await store.ResolveDirectoryAsync(_model, sources);

        Assert.NotEqual(before.ContentFingerprint, after.ContentFingerprint);
        Assert.Equal((await _server.GetManifestAsync(_model))!.Fingerprint, after.Fingerprint);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Fixture("mixtral"), "config.json")), await File.ReadAllBytesAsync(Path.Combine(directory, "config.json")));
    }

    [Fact]
    public async Task GetManifestAsync_WeightsRewrittenInPlaceKeepingSizeAndWriteTime_NewFingerprintAndNewBytes()
    {
        var before = (await _server.GetManifestAsync(_model))!;
        var oldBytes = await ReadAllTensorsAsync(before);
        var written = File.GetLastWriteTimeUtc(Weights);

        // What `cp -p` of a same-shape fine-tune does: same length, the old write time put back.
        RewriteTailInPlaceKeepingWriteTime(written);
        var after = (await _server.GetManifestAsync(_model))!;

        Assert.Equal(written, File.GetLastWriteTimeUtc(Weights));
        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
        Assert.NotEqual(before.ContentFingerprint, after.ContentFingerprint);
        var served = await ReadAllTensorsAsync(after);
        Assert.Contains(served, t => !oldBytes[t.Key].AsSpan().SequenceEqual(t.Value));
    }

    [Fact]
    public async Task GetManifestAsync_WeightsReplacedByIdenticalCopyKeepingWriteTime_SameFingerprint()
    {
        var before = (await _server.GetManifestAsync(_model))!;
        var written = File.GetLastWriteTimeUtc(Weights);
        var inode = FileChangeStatus.Get(Weights).Inode;

        // What another machine's copy of the checkpoint under the same path looks like (rsync -a): another inode and
        // change time, the same bytes, size and write time. Source silos holding such copies must agree.
        var staged = Weights + ".copy";
        File.Copy(Weights, staged);
        File.Move(staged, Weights, overwrite: true);
        File.SetLastWriteTimeUtc(Weights, written);
        var after = (await _server.GetManifestAsync(_model))!;

        Assert.NotEqual(inode, FileChangeStatus.Get(Weights).Inode);
        Assert.NotSame(before, after);
        Assert.Equal(before.Fingerprint, after.Fingerprint);
        Assert.Equal(before.ContentFingerprint, after.ContentFingerprint);
    }

    [Fact]
    public async Task ReadTensorAsync_WeightsTruncatedInPlaceWhileOpen_ThrowsNamingTheTensorAndServesOnAfterRestore()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var original = File.ReadAllBytes(Weights);

        // Cut short under the open copy: reading the map past the new end would kill the process (SIGBUS).
        using (var stream = new FileStream(Weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(original.Length / 2);
        }

        var failed = new List<ModelTensorEntry>();
        foreach (var tensor in manifest.Tensors)
        {
            try
            {
                await _server.ReadTensorAsync(_model, tensor.Name, 0, (int)tensor.ByteLength);
            }
            catch (DistInferException e)
            {
                Assert.Contains($"tensor '{tensor.Name}' ends early in {Checkpoint.SingleFileName}: the file was cut short on disk", e.Message, StringComparison.Ordinal);
                failed.Add(tensor);
            }
        }

        Assert.InRange(failed.Count, 1, manifest.Tensors.Count - 1);
        var last = failed[^1];
        File.WriteAllBytes(Weights, original);
        var restored = (await _server.GetManifestAsync(_model))!;
        var bytes = await _server.ReadTensorAsync(_model, last.Name, 0, (int)last.ByteLength);
        using var checkpoint = Checkpoint.Open(_model);
        Assert.Equal(manifest.ContentFingerprint, restored.ContentFingerprint);
        Assert.True(checkpoint.GetBytes(last.Name).SequenceEqual(bytes));
    }

    [Fact]
    public async Task ReadTensorAsync_WeightsRenamedOverBeforeTheNextManifest_ServesTheOpenFilesBytes()
    {
        var manifest = (await _server.GetManifestAsync(_model))!;
        var oldBytes = await ReadAllTensorsAsync(manifest);

        ReplaceWeights();
        var served = await ReadAllTensorsAsync(manifest);

        // Chunks between two manifest requests all come from the files that manifest describes, never a mix.
        Assert.All(served, t => Assert.True(oldBytes[t.Key].AsSpan().SequenceEqual(t.Value), $"tensor {t.Key} changed under the open copy"));
    }

    private async Task<Dictionary<string, byte[]>> ReadAllTensorsAsync(ModelManifest manifest)
    {
        var bytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var t in manifest.Tensors)
        {
            bytes[t.Name] = await _server.ReadTensorAsync(_model, t.Name, 0, (int)t.ByteLength);
        }

        return bytes;
    }

    /// <summary>A re-export: the weights' last bytes differ, written beside and renamed over (a new file, as exporters do).</summary>
    private void ReplaceWeights()
    {
        var bytes = File.ReadAllBytes(Weights);
        for (var i = bytes.Length - 8; i < bytes.Length; i++)
        {
            bytes[i] ^= 0x5a;
        }

        var staged = Weights + ".new";
        File.WriteAllBytes(staged, bytes);
        File.Move(staged, Weights, overwrite: true);
        File.SetLastWriteTimeUtc(Weights, Rewritten);
    }

    /// <summary>
    /// The weights' last bytes written over in place and the write time set back. Written again until the change time
    /// moves: it ticks with the kernel's coarse clock, so a write within the same tick as the copy's creation leaves it.
    /// </summary>
    private void RewriteTailInPlaceKeepingWriteTime(DateTime writeTime)
    {
        var before = FileChangeStatus.Get(Weights);
        var tail = File.ReadAllBytes(Weights)[^8..];
        for (var i = 0; i < tail.Length; i++)
        {
            tail[i] ^= 0x5a;
        }

        // Bounded: a system whose change time never moves lets the assertions say so instead of hanging here.
        var attempts = 0;
        do
        {
            using (var stream = new FileStream(Weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.Seek(-tail.Length, SeekOrigin.End);
                stream.Write(tail);
            }

            File.SetLastWriteTimeUtc(Weights, writeTime);
        }
        while (FileChangeStatus.Get(Weights) == before && ++attempts < 100_000);
    }

    /// <summary>Another model exported into the same directory, file over file.</summary>
    private void OverwriteWith(string fixture)
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Fixture(fixture)))
        {
            var target = Path.Combine(_model, Path.GetFileName(file));
            // Truncated and rewritten like an exporter does, without the lock a .NET copy would wait for.
            using (var source = File.OpenRead(file))
            using (var stream = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
            {
                source.CopyTo(stream);
            }

            File.SetLastWriteTimeUtc(target, Rewritten);
        }
    }

    private void RewriteConfig(string text)
    {
        File.WriteAllText(Config, text);
        File.SetLastWriteTimeUtc(Config, Rewritten);
    }
}
