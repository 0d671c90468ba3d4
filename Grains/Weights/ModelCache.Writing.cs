using System.Security.Cryptography;
using System.Text;
using DistInfer.Engine;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Weights;

/// <summary>How the cache writes: to a "*.partial" file beside the target, flushed to disk, then renamed.</summary>
public sealed partial class ModelCache
{
    private const string PartialExtension = ".partial";

    /// <summary>
    /// Writes <paramref name="prefix"/> then chunk after chunk (several fetches in flight) to a temporary file beside
    /// <paramref name="path"/>, hashing as it goes, and renames it into place; returns the SHA-256 (hex).
    /// <paramref name="ensureUnchanged"/> runs before the rename, and after a failure the source reported (given it).
    /// On a failure the bytes counted for this attempt are taken back (<paramref name="fetched"/> gets their negative):
    /// they were not kept, and the file may start again from another copy.
    /// </summary>
    private async Task<string> WriteAtomicallyAsync(string path, long length, byte[] prefix, int count, Func<int, Task<byte[]>> read,
        Func<int, string> describe, Func<int, int> lengthOf, Action<long>? fetched, Func<Exception?, Task> ensureUnchanged,
        CancellationToken cancellationToken, string? expectedSha = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}{PartialExtension}";
        var pending = new Queue<Task<byte[]>>();
        long shipped = 0;
        try
        {
            string sha;
            // FileShare.None also takes an exclusive lock (flock on Unix): start-up cleanup leaves a locked partial alone.
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                stream.SetLength(length);
                await stream.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
                hash.AppendData(prefix);
                var next = 0;
                for (var i = 0; i < count; i++)
                {
                    while (next < count && pending.Count < _chunksInFlight)
                    {
                        pending.Enqueue(read(next++));
                    }

                    var bytes = await pending.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (bytes.Length != lengthOf(i))
                    {
                        throw new DistInferException($"{path}: {describe(i)} came back with {bytes.Length} bytes instead of {lengthOf(i)}");
                    }

                    hash.AppendData(bytes);
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    shipped += bytes.Length;
                    Interlocked.Add(ref _bytesFetched, bytes.Length);
                    fetched?.Invoke(bytes.Length);
                }

                // On disk before the rename: after a power loss a renamed file must not hold unwritten (zero) pages.
                stream.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            // Checked before the hash: bytes of a rewritten file fail that too, with a less telling message.
            await ensureUnchanged(null).ConfigureAwait(false);
            if (expectedSha is not null && !string.Equals(sha, expectedSha, StringComparison.OrdinalIgnoreCase))
            {
                throw new DistInferException($"{path}: shipped bytes have SHA-256 {sha}, the source's manifest says {expectedSha}");
            }

            File.Move(temporary, path, overwrite: true);
            return sha;
        }
        catch (Exception e)
        {
            // Let fetches still in flight finish unobserved, and leave nothing that looks like a cache entry.
            foreach (var task in pending)
            {
                _ = task.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            }

            File.Delete(temporary);
            if (shipped > 0)
            {
                Interlocked.Add(ref _bytesFetched, -shipped);
                fetched?.Invoke(-shipped);
            }

            // A source that no longer has the bytes (no such tensor, a shorter file) or bytes that do not add up may mean
            // its directory was rewritten: then that is the error. Transport failures are left as they are (no extra call).
            if (e is DistInferException and not ModelDirectoryChangedException)
            {
                await ensureUnchanged(e).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Writes a small file (a part's sidecar) the same way: temporary file, flushed to disk, renamed.</summary>
    private static async Task WriteTextAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}{PartialExtension}";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
                // The data file was flushed before it was renamed; the sidecar, which says "complete", is flushed too
                // before its rename, so neither name can point at unwritten bytes after a power loss.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes the "*.partial" files a crash or a kill left under the cache (they are never completed, only take
    /// space). Runs when the cache is created, before this silo fetches anything; a partial another process still
    /// writes (a second silo on the same directory) holds a lock and is left alone.
    /// </summary>
    private void DeleteStalePartials()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchType = MatchType.Simple };
        var deleted = 0;
        foreach (var partial in Directory.EnumerateFiles(Root, "*" + PartialExtension, options))
        {
            try
            {
                // The exclusive open fails while a writer holds the file: then it is not stale. Deleted on close, so
                // under the lock.
                new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose();
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogPartialKept(_logger, partial, e.Message);
            }
        }

        if (deleted > 0)
        {
            LogPartialsDeleted(_logger, deleted, Root);
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} unfinished download file(s) (*.partial) left in the model cache {Root}")]
    private static partial void LogPartialsDeleted(ILogger logger, int count, string root);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Left {Partial} in the model cache: {Reason}")]
    private static partial void LogPartialKept(ILogger logger, string partial, string reason);
}
