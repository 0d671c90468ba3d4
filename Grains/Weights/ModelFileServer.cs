using System.Collections.Concurrent;
using DistInfer.Engine;
using Microsoft.Extensions.Options;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A silo's model directories as a shipping source: each opened once (checkpoint memory-mapped, manifest hashed) and
/// kept open, so chunk reads are slices of the map. Only paths the silo reads directly are served.
/// </summary>
public sealed class ModelFileServer : IModelFileSource, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<LocalModel>> _models = new(StringComparer.Ordinal);
    private readonly Func<string, bool> _isLocal;
    private long _bytesServed;

    public ModelFileServer(IOptions<WeightsOptions> options)
        : this(options.Value.IsLocalPath)
    {
    }

    public ModelFileServer(Func<string, bool> isLocalPath)
    {
        _isLocal = isLocalPath;
    }

    /// <summary>Tensor and file bytes handed out so far.</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public bool CanRead(string modelPath) => _isLocal(modelPath);

    public Task<ModelManifest?> GetManifestAsync(string modelPath) =>
        Task.FromResult(CanRead(modelPath) ? Open(modelPath).Manifest : null);

    public Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length)
    {
        var model = OpenServed(modelPath);
        if (!model.Tensors.TryGetInfo(tensor, out var info))
        {
            throw new DistInferException($"{modelPath}: no tensor '{tensor}' to ship");
        }

        CheckRange(modelPath, tensor, info.ByteLength, offset, length);
        var bytes = model.Tensors.GetBytes(tensor).Slice((int)offset, length).ToArray();
        Interlocked.Add(ref _bytesServed, length);
        return Task.FromResult(bytes);
    }

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length)
    {
        var model = OpenServed(modelPath);
        // Only files of the manifest: a caller cannot name any other path on this machine.
        var entry = model.Manifest.Files.Find(f => f.Name == file) ?? throw new DistInferException($"{modelPath}: no file '{file}' to ship");
        CheckRange(modelPath, file, entry.Length, offset, length);
        var bytes = new byte[length];
        using var handle = File.OpenHandle(Path.Combine(model.Directory, entry.Name));
        var read = 0;
        while (read < length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), offset + read).ConfigureAwait(false);
            read += n > 0 ? n : throw new DistInferException($"{modelPath}: file '{file}' is shorter than its manifest says");
        }

        Interlocked.Add(ref _bytesServed, length);
        return bytes;
    }

    private LocalModel OpenServed(string modelPath) =>
        CanRead(modelPath) ? Open(modelPath) : throw new DistInferException($"model path {modelPath} is not readable on this silo");

    private LocalModel Open(string modelPath)
    {
        var key = Path.GetFullPath(modelPath);
        var lazy = _models.GetOrAdd(key, static k => new Lazy<LocalModel>(() => LocalModel.Open(k)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _models.TryRemove(new KeyValuePair<string, Lazy<LocalModel>>(key, lazy));
            throw;
        }
    }

    private static void CheckRange(string modelPath, string what, long size, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > size || length > Array.MaxLength)
        {
            throw new DistInferException($"{modelPath}: bytes [{offset}, {offset + length}) are outside '{what}' ({size} bytes)");
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _models.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _models.Clear();
    }
}
