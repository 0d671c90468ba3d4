using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DistInfer.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A silo's cache of shipped weights: per model (name and fingerprint) a folder with the small files (config,
/// tokenizer) and parts/, one safetensors file per tensor set an activation loads, named by a hash of the names.
/// Files are written beside their target and renamed when complete; a part's ".sha256" sidecar (length and
/// SHA-256) is written last, so a missing sidecar, a wrong length or a wrong checksum mean "fetch again".
/// Concurrent requests for one file on a silo share one fetch. A file is shipped from one copy of the model path
/// (<see cref="IModelFileSource.Copies"/>), restarted on the next when that copy fails; before it is kept, that copy
/// is asked whether its directory changed meanwhile (<see cref="ModelSourceCheck"/>). Unfinished files of a crash
/// are deleted when the cache is created; over <see cref="WeightsOptions.CacheMaxBytes"/>, unused model folders go
/// (ModelCache.Eviction.cs).
/// </summary>
public sealed partial class ModelCache
{
    private const string SidecarExtension = ".sha256";
    private readonly ConcurrentDictionary<string, Lazy<Task<long>>> _inFlight = new(StringComparer.Ordinal);
    private readonly int _chunkBytes;
    private readonly int _chunksInFlight;
    private readonly bool _verifyChecksums;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private long _bytesFetched;

    /// <param name="maxBytes">Most bytes the model folders may hold, 0 for no limit (<see cref="WeightsOptions.CacheMaxBytes"/>).</param>
    public ModelCache(string root, int chunkBytes = 8 << 20, int chunksInFlight = 4, bool verifyChecksums = true, long maxBytes = 0, ILogger? logger = null)
    {
        if (maxBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the model cache's byte limit must be 0 (no limit) or positive, not {maxBytes}");
        }

        Root = Path.GetFullPath(root);
        _chunkBytes = Math.Clamp(chunkBytes, 64 << 10, ModelFileServer.MaxChunkBytes);
        _chunksInFlight = Math.Clamp(chunksInFlight, 1, 64);
        _verifyChecksums = verifyChecksums;
        _maxBytes = maxBytes;
        _logger = logger ?? NullLogger.Instance;
        DeleteStalePartials();
    }

    public ModelCache(WeightsOptions options, ILogger? logger = null)
        : this(options.CacheDirectory, options.ChunkBytes, options.ChunksInFlight, options.VerifyChecksums, options.CacheMaxBytes, logger)
    {
    }

    public string Root { get; }

    /// <summary>Where the model weight store keeps the manifests it was given (an offline fallback); never evicted.</summary>
    public string ManifestDirectory => Path.Combine(Root, "manifests");

    /// <summary>Bytes shipped into files this cache kept since it was created (tests and status: a cache hit adds none).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    public string ModelDirectory(ModelManifest manifest)
    {
        var name = new StringBuilder(manifest.Name.Length);
        foreach (var c in manifest.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        // The fingerprint comes from a peer's manifest too: only hex digits reach the folder name.
        var fingerprint = manifest.Fingerprint.Length >= 16 ? manifest.Fingerprint[..16] : manifest.Fingerprint;
        if (!fingerprint.All(char.IsAsciiHexDigit))
        {
            throw new InvalidDataException($"model manifest of {manifest.Name}: fingerprint '{fingerprint}' is not hexadecimal");
        }

        return Path.Combine(Root, $"{(name.Length > 0 ? name : "model")}-{fingerprint}");
    }

    public string PartPath(ModelManifest manifest, IEnumerable<string> tensorNames)
    {
        var joined = string.Join('\n', tensorNames.Order(StringComparer.Ordinal));
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..32];
        return Path.Combine(ModelDirectory(manifest), "parts", id + ".safetensors");
    }

    /// <summary>Why the cached part at <paramref name="path"/> cannot be used, or null when it is complete and intact.</summary>
    public string? CheckPart(string path, IReadOnlyList<ModelTensorEntry> tensors)
    {
        var data = new FileInfo(path);
        if (!data.Exists)
        {
            return "missing";
        }

        var sidecar = path + SidecarExtension;
        if (!File.Exists(sidecar))
        {
            return "incomplete (no checksum file)";
        }

        var fields = File.ReadAllText(sidecar).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length != 2 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return "checksum file unreadable";
        }

        var expected = PartLayout.Create(tensors).FileLength;
        if (length != expected || data.Length != expected)
        {
            return $"{data.Length} bytes where {expected} are expected";
        }

        return _verifyChecksums && !string.Equals(Sha256Of(path), fields[1], StringComparison.OrdinalIgnoreCase) ? "checksum mismatch" : null;
    }

    /// <summary>
    /// Makes the part holding <paramref name="tensors"/> complete in the cache, fetching it from <paramref name="source"/>
    /// when missing, truncated or corrupt; returns the bytes fetched (0 on a cache hit).
    /// </summary>
    public async Task<long> EnsurePartAsync(ModelManifest manifest, IReadOnlyList<ModelTensorEntry> tensors, IModelFileSource source, string modelPath,
        Action<long>? fetched = null, CancellationToken cancellationToken = default)
    {
        var path = PartPath(manifest, tensors.Select(t => t.Name));
        using var use = Use(manifest);
        if (CheckPart(path, tensors) is null)
        {
            return 0;
        }

        var bytes = await Shared(path, () => FetchPartAsync(path, manifest, tensors, source, modelPath, fetched, cancellationToken)).ConfigureAwait(false);
        if (bytes > 0)
        {
            EvictOverLimit();
        }

        return bytes;
    }

    /// <summary>Makes the model's small files present and verified; returns the model's cache folder.</summary>
    public async Task<string> EnsureFilesAsync(ModelManifest manifest, IModelFileSource source, string modelPath, CancellationToken cancellationToken = default)
    {
        using var use = Use(manifest);
        var directory = ModelDirectory(manifest);
        long bytes = 0;
        foreach (var file in manifest.Files)
        {
            var path = FilePath(directory, file.Name);
            if (!HasFile(path, file))
            {
                bytes += await Shared(path, () => FetchFileAsync(path, manifest, file, source, modelPath, cancellationToken)).ConfigureAwait(false);
            }
        }

        if (bytes > 0)
        {
            EvictOverLimit();
        }

        return directory;
    }

    /// <summary>
    /// Where a manifest's file goes: names come from a peer (or a manifest saved on disk), so one that is not a plain
    /// file name of the model's folder ("../x", "/etc/x", "a/b") is refused rather than written outside the cache.
    /// </summary>
    internal static string FilePath(string directory, string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(name))
        {
            throw new InvalidDataException($"model manifest names a file '{name}' outside the model's folder");
        }

        return Path.Combine(directory, name);
    }

    private static bool HasFile(string path, ModelFileEntry file)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == file.Length && string.Equals(Sha256Of(path), file.Sha256, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<long> Shared(string path, Func<Task<long>> fetch)
    {
        var lazy = _inFlight.GetOrAdd(path, _ => new Lazy<Task<long>>(fetch));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<long>>>(path, lazy));
        }
    }

    private async Task<long> FetchPartAsync(string path, ModelManifest manifest, IReadOnlyList<ModelTensorEntry> tensors, IModelFileSource source,
        string modelPath, Action<long>? fetched, CancellationToken cancellationToken)
    {
        // A fetch that finished just before this one was shared may already have written it.
        if (CheckPart(path, tensors) is null)
        {
            return 0;
        }

        var layout = PartLayout.Create(tensors);
        var chunks = new List<(string Tensor, long Offset, int Length)>();
        foreach (var t in layout.Ordered)
        {
            for (long offset = 0; offset < t.ByteLength; offset += _chunkBytes)
            {
                chunks.Add((t.Name, offset, (int)Math.Min(_chunkBytes, t.ByteLength - offset)));
            }
        }

        var sha = await FromOneCopyAsync(source, copy => WriteAtomicallyAsync(path, layout.FileLength, layout.Prefix, chunks.Count,
            i => copy.ReadTensorAsync(modelPath, chunks[i].Tensor, chunks[i].Offset, chunks[i].Length),
            i => $"tensor '{chunks[i].Tensor}' bytes from {chunks[i].Offset}", i => chunks[i].Length, fetched,
            failure => ModelSourceCheck.ThrowIfChangedAsync(copy, modelPath, manifest, failure), cancellationToken), cancellationToken).ConfigureAwait(false);
        await WriteTextAtomicallyAsync(path + SidecarExtension, $"{layout.FileLength} {sha}\n", cancellationToken).ConfigureAwait(false);
        return layout.DataLength;
    }

    private async Task<long> FetchFileAsync(string path, ModelManifest manifest, ModelFileEntry file, IModelFileSource source, string modelPath,
        CancellationToken cancellationToken)
    {
        if (HasFile(path, file))
        {
            return 0;
        }

        var count = (int)((file.Length + _chunkBytes - 1) / _chunkBytes);
        int LengthOf(int i) => (int)Math.Min(_chunkBytes, file.Length - (long)i * _chunkBytes);
        await FromOneCopyAsync(source, copy => WriteAtomicallyAsync(path, file.Length, [], count,
            i => copy.ReadFileAsync(modelPath, file.Name, (long)i * _chunkBytes, LengthOf(i)),
            i => $"file '{file.Name}' bytes from {(long)i * _chunkBytes}", LengthOf, null,
            failure => ModelSourceCheck.ThrowIfChangedAsync(copy, modelPath, manifest, failure), cancellationToken, expectedSha: file.Sha256),
            cancellationToken).ConfigureAwait(false);
        return file.Length;
    }

    /// <summary>
    /// Ships one file from one copy after another until a copy delivers all of it and passes the change check:
    /// every byte of a kept file, and the check, come from one copy. What a failed copy delivered is dropped, never
    /// resumed from, since another copy may be another version of the checkpoint. The last copy's error is thrown.
    /// </summary>
    private static async Task<T> FromOneCopyAsync<T>(IModelFileSource source, Func<IModelFileSource, Task<T>> ship, CancellationToken cancellationToken)
    {
        var copies = source.Copies;
        if (copies.Count == 0)
        {
            throw new DistInferException("the model file source offers no copy of the model path to ship from");
        }

        for (var i = 0; ; i++)
        {
            try
            {
                return await ship(copies[i]).ConfigureAwait(false);
            }
            catch (Exception) when (i < copies.Count - 1 && !cancellationToken.IsCancellationRequested)
            {
                // That copy failed (its silo went away, it was rewritten, it is another version): start over on the next.
            }
        }
    }
}
