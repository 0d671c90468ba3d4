using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>"*.partial" files a crash left in the cache were never removed (review finding): the cache deletes them when created.</summary>
public sealed class ModelCacheStartupTests : IDisposable
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
    public async Task Constructor_StalePartialFilesLeftByACrash_DeletesThemAndKeepsCompleteFiles()
    {
        var manifest = (await _server.GetManifestAsync(ModelPath))!;
        var earlier = new ModelCache(_root.Path, chunkBytes: 64 << 10);
        var directory = await earlier.EnsureFilesAsync(manifest, new RecordingFileSource(_server), ModelPath);
        await earlier.EnsurePartAsync(manifest, manifest.Tensors, new RecordingFileSource(_server), ModelPath);
        var part = earlier.PartPath(manifest, manifest.Tensors.Select(t => t.Name));
        var complete = Directory.GetFiles(_root.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        string[] stale =
        [
            part + ".0123456789abcdef.partial",
            part + ".sha256.fedcba9876543210.partial",
            Path.Combine(directory, "config.json.00112233.partial"),
            Path.Combine(_root.Path, "manifests", "0a1b2c3d.json.44556677.partial"),
        ];
        foreach (var file in stale)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllBytesAsync(file, [1, 2, 3]);
        }

        var cache = new ModelCache(_root.Path);

        Assert.All(stale, f => Assert.False(File.Exists(f), $"{f} is still there"));
        Assert.Contains(part + ".sha256", complete.Keys);
        Assert.All(complete, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));
        Assert.Null(cache.CheckPart(part, manifest.Tensors));
    }

    [Fact]
    public void Constructor_PartialStillBeingWrittenByAnotherWriter_LeavesIt()
    {
        var partial = _root.Combine("other-0123456789abcdef", "parts", "x.safetensors.0123.partial");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        // As a fetch writes it (another silo process on this cache directory): open and exclusively locked.
        using var writer = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        writer.WriteByte(1);
        writer.Flush();

        _ = new ModelCache(_root.Path);

        Assert.True(File.Exists(partial));
    }

    [Fact]
    public void Constructor_NoCacheFolderYet_CreatesNothingAndDoesNotThrow()
    {
        var root = _root.Combine("not-yet");

        var cache = new ModelCache(root);

        Assert.Equal(root, cache.Root);
        Assert.False(Directory.Exists(root));
    }
}
