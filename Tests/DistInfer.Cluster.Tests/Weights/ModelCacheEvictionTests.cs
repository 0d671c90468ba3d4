using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Weights;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>The cache never evicted (review finding): over WeightsOptions.CacheMaxBytes, unused model folders go, least recently used first.</summary>
public sealed class ModelCacheEvictionTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly ModelFileServer _server = new(static _ => true);

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task EnsurePartAsync_OverTheLimitAfterASecondModel_EvictsTheUnusedFirstOnly()
    {
        var cache = new ModelCache(_root.Path, maxBytes: 1);
        // Not model folders: never evicted, whatever the limit.
        var manifests = _root.Combine("manifests", "0a1b2c3d.json");
        var stranger = _root.Combine("notes", "readme.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(manifests)!);
        Directory.CreateDirectory(Path.GetDirectoryName(stranger)!);
        await File.WriteAllTextAsync(manifests, "{}");
        await File.WriteAllTextAsync(stranger, "keep");
        var first = await FetchAsync(cache, "qwen3_moe");
        Assert.True(Directory.Exists(cache.ModelDirectory(first)), "the model just fetched stays, over the limit or not");

        var second = await FetchAsync(cache, "mixtral");

        Assert.False(Directory.Exists(cache.ModelDirectory(first)));
        Assert.Null(cache.CheckPart(PartOf(cache, second), second.Tensors));
        Assert.True(File.Exists(manifests));
        Assert.True(File.Exists(stranger));
    }

    [Fact]
    public async Task EnsurePartAsync_OverTheLimitWhileTheFirstModelIsInUse_KeepsItUntilReleased()
    {
        var cache = new ModelCache(_root.Path, maxBytes: 1);
        var first = await FetchAsync(cache, "qwen3_moe");
        ModelManifest second;
        using (cache.Use(first))
        {
            second = await FetchAsync(cache, "mixtral");

            Assert.True(cache.InUse(first));
            Assert.Null(cache.CheckPart(PartOf(cache, first), first.Tensors));
            Assert.Null(cache.CheckPart(PartOf(cache, second), second.Tensors));
        }

        var third = await FetchAsync(cache, "olmoe");

        Assert.False(cache.InUse(first));
        Assert.False(Directory.Exists(cache.ModelDirectory(first)));
        Assert.False(Directory.Exists(cache.ModelDirectory(second)));
        Assert.Null(cache.CheckPart(PartOf(cache, third), third.Tensors));
    }

    /// <summary>The folder used least recently goes first, whichever it is; one eviction is enough here.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EnsurePartAsync_OneFolderOverTheLimit_EvictsTheLeastRecentlyUsed(bool firstIsOlder)
    {
        var measure = new ModelCache(_root.Combine("measure"));
        var thirdBytes = BytesUnder(measure.ModelDirectory(await FetchAsync(measure, "olmoe")));
        var unlimited = new ModelCache(_root.Combine("cache"));
        var first = await FetchAsync(unlimited, "qwen3_moe");
        var second = await FetchAsync(unlimited, "mixtral");
        var (older, newer) = firstIsOlder ? (first, second) : (second, first);
        Directory.SetLastWriteTimeUtc(unlimited.ModelDirectory(older), new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Directory.SetLastWriteTimeUtc(unlimited.ModelDirectory(newer), new DateTime(2030, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        var total = BytesUnder(unlimited.ModelDirectory(first)) + BytesUnder(unlimited.ModelDirectory(second)) + thirdBytes;
        var cache = new ModelCache(_root.Combine("cache"), maxBytes: total - 1);

        var third = await FetchAsync(cache, "olmoe");

        Assert.False(Directory.Exists(cache.ModelDirectory(older)));
        Assert.Null(cache.CheckPart(PartOf(cache, newer), newer.Tensors));
        Assert.Null(cache.CheckPart(PartOf(cache, third), third.Tensors));
    }

    [Fact]
    public async Task EnsurePartAsync_NoLimit_EvictsNothing()
    {
        var cache = new ModelCache(_root.Path);
        var first = await FetchAsync(cache, "qwen3_moe");

        await FetchAsync(cache, "mixtral");

        Assert.Null(cache.CheckPart(PartOf(cache, first), first.Tensors));
    }

    [Fact]
    public void Constructor_NegativeByteLimit_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ModelCache(_root.Path, maxBytes: -1));

        Assert.Contains("byte limit", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Through the silo's store: a load's lease (its part memory-mapped) holds its folder until disposed.</summary>
    [Fact]
    public async Task OpenAsync_LeaseOfAModelHeld_AnotherModelsFetchKeepsItUntilTheLeaseIsDisposed()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) => services.Configure<WeightsOptions>(o =>
        {
            o.CacheDirectory = _root.Combine("silo" + index);
            o.CacheMaxBytes = index == 1 ? 1 : 0;
            o.IsLocalPath = index == 0 ? Directory.Exists : static _ => false;
        }));
        var store = cluster.Silos[1].Services.GetRequiredService<ModelWeightStore>();
        string[] sources = [cluster.Silos[0].Address.ToString()];
        var firstPath = RepoPaths.Fixture("qwen3_moe");
        var first = await store.GetManifestAsync(firstPath, sources);
        var lease = await store.OpenAsync(firstPath, sources, static (_, names) => [.. names]);
        var tensor = first.Tensors[0];

        using (await store.OpenAsync(RepoPaths.Fixture("mixtral"), sources, static (_, names) => [.. names]))
        {
        }

        Assert.True(store.Cache.InUse(first));
        Assert.Null(store.Cache.CheckPart(PartOf(store.Cache, first), first.Tensors));
        Assert.Equal(tensor.ByteLength, lease.Tensors.GetBytes(tensor.Name).Length);
        lease.Dispose();
        Assert.False(store.Cache.InUse(first));

        using (await store.OpenAsync(RepoPaths.Fixture("olmoe"), sources, static (_, names) => [.. names]))
        {
        }

        Assert.False(Directory.Exists(store.Cache.ModelDirectory(first)));
    }

    private async Task<ModelManifest> FetchAsync(ModelCache cache, string fixture)
    {
        var path = RepoPaths.Fixture(fixture);
        var manifest = (await _server.GetManifestAsync(path))!;
        await cache.EnsureFilesAsync(manifest, new RecordingFileSource(_server), path);
        await cache.EnsurePartAsync(manifest, manifest.Tensors, new RecordingFileSource(_server), path);
        return manifest;
    }

    private static string PartOf(ModelCache cache, ModelManifest manifest) => cache.PartPath(manifest, manifest.Tensors.Select(t => t.Name));

    private static long BytesUnder(string directory) => Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
