using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Weights;

/// <summary>
/// Eviction: with a byte limit, whole model folders go once a fetch leaves the cache over it, least recently used
/// first. A folder's last use is its last write time, set whenever a use of it starts or ends (it survives a restart;
/// access times are often not kept). Folders with a <see cref="ModelCacheUse"/> held are never evicted: a fetch holds
/// one (so the folder just fetched stays), and so does a load until its <see cref="WeightLease"/> is disposed,
/// because its part is memory-mapped. Built weights are copies, so a loaded activation does not need its folder.
/// </summary>
public sealed partial class ModelCache
{
    /// <summary>Uses per model folder; also taken while eviction decides and deletes, so no use starts on a folder going away.</summary>
    private readonly Lock _usesGate = new();
    private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);

    /// <summary>Holds the model's folder against eviction until disposed (a load keeps it while its part is mapped).</summary>
    public ModelCacheUse Use(ModelManifest manifest)
    {
        var directory = ModelDirectory(manifest);
        lock (_usesGate)
        {
            _uses[directory] = _uses.TryGetValue(directory, out var count) ? count + 1 : 1;
        }

        MarkUsed(directory);
        return new ModelCacheUse(this, directory);
    }

    /// <summary>Whether this cache holds a use of the model's folder now.</summary>
    public bool InUse(ModelManifest manifest)
    {
        var directory = ModelDirectory(manifest);
        lock (_usesGate)
        {
            return _uses.ContainsKey(directory);
        }
    }

    internal void Release(string directory)
    {
        // Marked while still held, so eviction cannot have removed the folder in between.
        MarkUsed(directory);
        lock (_usesGate)
        {
            if (_uses.TryGetValue(directory, out var count))
            {
                if (count > 1)
                {
                    _uses[directory] = count - 1;
                }
                else
                {
                    _uses.Remove(directory);
                }
            }
        }
    }

    /// <summary>
    /// Deletes unused model folders, least recently used first, until the cache is within its limit (none without a
    /// limit); returns the folders deleted. Folders in use stay, even when the cache stays over the limit.
    /// </summary>
    internal List<string> EvictOverLimit()
    {
        var evicted = new List<string>();
        if (_maxBytes == 0 || !Directory.Exists(Root))
        {
            return evicted;
        }

        lock (_usesGate)
        {
            var folders = new List<(string Path, long Bytes, DateTime LastUse)>();
            long total = 0;
            foreach (var folder in new DirectoryInfo(Root).EnumerateDirectories())
            {
                if (IsModelFolder(folder.Name))
                {
                    var bytes = BytesUnder(folder);
                    folders.Add((folder.FullName, bytes, folder.LastWriteTimeUtc));
                    total += bytes;
                }
            }

            if (total <= _maxBytes)
            {
                return evicted;
            }

            folders.Sort(static (a, b) => a.LastUse.CompareTo(b.LastUse));
            foreach (var (path, bytes, _) in folders)
            {
                if (total <= _maxBytes)
                {
                    break;
                }

                if (_uses.ContainsKey(path))
                {
                    continue;
                }

                try
                {
                    Directory.Delete(path, recursive: true);
                    total -= bytes;
                    evicted.Add(path);
                    LogEvicted(_logger, path, bytes, _maxBytes);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    LogNotEvicted(_logger, path, e.Message);
                }
            }

            if (total > _maxBytes)
            {
                LogStillOver(_logger, Root, total, _maxBytes);
            }
        }

        return evicted;
    }

    /// <summary>
    /// Only folders named as <see cref="ModelDirectory"/> names them ("name-" and 16 hex digits) are evicted: the
    /// manifests folder stays, and so does anything else a misconfigured --model-cache directory holds.
    /// </summary>
    private static bool IsModelFolder(string name)
    {
        const int FingerprintLength = 16;
        if (name.Length < FingerprintLength + 2 || name[^(FingerprintLength + 1)] != '-')
        {
            return false;
        }

        foreach (var c in name.AsSpan(name.Length - FingerprintLength))
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static long BytesUnder(DirectoryInfo folder)
    {
        long bytes = 0;
        foreach (var file in folder.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            bytes += file.Length;
        }

        return bytes;
    }

    private void MarkUsed(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the eviction order suffers.
            LogNotMarked(_logger, directory, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted {Folder} ({Bytes} bytes) from the model cache: over its limit of {Limit} bytes")]
    private static partial void LogEvicted(ILogger logger, string folder, long bytes, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not evict {Folder} from the model cache: {Error}")]
    private static partial void LogNotEvicted(ILogger logger, string folder, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model cache {Root} holds {Bytes} bytes, over its limit of {Limit}: the rest is in use")]
    private static partial void LogStillOver(ILogger logger, string root, long bytes, long limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not mark {Folder} as used: {Error}")]
    private static partial void LogNotMarked(ILogger logger, string folder, string error);
}
