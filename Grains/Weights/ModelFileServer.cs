using System.Collections.Concurrent;
using DistInfer.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A silo's model directories as a shipping source: each opened (checkpoint memory-mapped for its header and manifest,
/// manifest hashed, weight files open) and kept open; chunks are read from those open files. Every manifest request
/// stats the directory's files and reopens it when one changed (a checkpoint re-exported in place); chunk reads use the
/// copy that is open without a stat each, and the receiver asks for the manifest again before it keeps what it got
/// (<see cref="ModelCache"/>). Only paths the silo reads directly are served.
/// </summary>
public sealed partial class ModelFileServer : IModelFileSource, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ServedDirectory>> _models = new(StringComparer.Ordinal);
    private readonly Func<string, bool> _isLocal;
    private readonly ILogger _logger;
    private long _bytesServed;

    public ModelFileServer(IOptions<WeightsOptions> options, ILogger<ModelFileServer>? logger = null)
        : this(options.Value.IsLocalPath, logger)
    {
    }

    public ModelFileServer(Func<string, bool> isLocalPath, ILogger? logger = null)
    {
        _isLocal = isLocalPath;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Tensor and file bytes handed out so far.</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public bool CanRead(string modelPath) => _isLocal(modelPath);

    public Task<ModelManifest?> GetManifestAsync(string modelPath)
    {
        if (!CanRead(modelPath))
        {
            // Gone (or no longer served): let go of its map.
            if (_models.TryRemove(Path.GetFullPath(modelPath), out var gone) && gone.IsValueCreated)
            {
                gone.Value.Retire();
            }

            return Task.FromResult<ModelManifest?>(null);
        }

        return Task.FromResult<ModelManifest?>(Current(Path.GetFullPath(modelPath)).Model.Manifest);
    }

    public async Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length)
    {
        var served = Acquire(modelPath);
        try
        {
            var model = served.Model;
            if (!model.Tensors.TryGetInfo(tensor, out var info))
            {
                throw new DistInferException($"{modelPath}: no tensor '{tensor}' to ship");
            }

            CheckRange(modelPath, tensor, info.ByteLength, offset, length);
            // Read from the file, not the map: a checkpoint truncated in place makes a read come up short (an error
            // for this transfer) where touching the map past the new end would bring the whole silo down (SIGBUS).
            var (file, name, start) = model.Locate(tensor, info);
            var bytes = new byte[length];
            await ReadExactlyAsync(file, bytes, start + offset, () => $"{modelPath}: tensor '{tensor}' ends early in {name}: the file was cut short on disk").ConfigureAwait(false);
            Interlocked.Add(ref _bytesServed, length);
            return bytes;
        }
        finally
        {
            served.Release();
        }
    }

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length)
    {
        var served = Acquire(modelPath);
        try
        {
            var model = served.Model;
            // Only files of the manifest: a caller cannot name any other path on this machine.
            var entry = model.Manifest.Files.Find(f => f.Name == file) ?? throw new DistInferException($"{modelPath}: no file '{file}' to ship");
            CheckRange(modelPath, file, entry.Length, offset, length);
            var bytes = new byte[length];
            using var handle = File.OpenHandle(Path.Combine(model.Directory, entry.Name));
            await ReadExactlyAsync(handle, bytes, offset, () => $"{modelPath}: file '{file}' is shorter than its manifest says").ConfigureAwait(false);
            Interlocked.Add(ref _bytesServed, length);
            return bytes;
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>The open copy of the directory, reopened first when its files differ from those it was opened from.</summary>
    private ServedDirectory Current(string key)
    {
        while (true)
        {
            var lazy = _models.GetOrAdd(key, NewEntry);
            var served = Value(key, lazy);
            if (served.Stamp.Matches(ModelDirectoryStamp.Capture(key)))
            {
                return served;
            }

            var fresh = NewEntry(key);
            if (_models.TryUpdate(key, fresh, lazy))
            {
                LogReopened(_logger, key);
                served.Retire();
                return Value(key, fresh);
            }

            // Another request swapped in a newer copy meanwhile: check that one.
        }
    }

    /// <summary>The open copy with a reader's reference taken (release it); opened when none is.</summary>
    private ServedDirectory Acquire(string modelPath)
    {
        if (!CanRead(modelPath))
        {
            throw new DistInferException($"model path {modelPath} is not readable on this silo");
        }

        var key = Path.GetFullPath(modelPath);
        while (true)
        {
            var served = Value(key, _models.GetOrAdd(key, NewEntry));
            // Closed only once retired, which is after it left the table: the next look finds its successor.
            if (served.TryAcquire())
            {
                return served;
            }
        }
    }

    private static Lazy<ServedDirectory> NewEntry(string key) => new(() => ServedDirectory.Open(key));

    private ServedDirectory Value(string key, Lazy<ServedDirectory> lazy)
    {
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed open is not kept: the next request tries again.
            _models.TryRemove(new KeyValuePair<string, Lazy<ServedDirectory>>(key, lazy));
            throw;
        }
    }

    private static async Task ReadExactlyAsync(SafeFileHandle handle, byte[] bytes, long fileOffset, Func<string> shortRead)
    {
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), fileOffset + read).ConfigureAwait(false);
            read += n > 0 ? n : throw new DistInferException(shortRead());
        }
    }

    internal const int MaxChunkBytes = 64 << 20;

    internal static void CheckRange(string modelPath, string what, long size, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > size - length)
        {
            throw new DistInferException($"{modelPath}: bytes [{offset}, {offset + (long)length}) are outside '{what}' ({size} bytes)");
        }

        // Callers ship in chunks of at most 64 MiB (ModelCache): a larger read would only let a peer make this silo
        // allocate gigabytes for one call.
        if (length > MaxChunkBytes)
        {
            throw new DistInferException($"{modelPath}: a read of {length} bytes of '{what}' is over the {MaxChunkBytes >> 20} MiB a shipping call may take");
        }
    }

    public void Dispose()
    {
        foreach (var key in _models.Keys)
        {
            if (_models.TryRemove(key, out var lazy) && lazy.IsValueCreated)
            {
                lazy.Value.Retire();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model directory {Directory} changed on disk; reopened it, its new manifest serves from now on")]
    private static partial void LogReopened(ILogger logger, string directory);
}
