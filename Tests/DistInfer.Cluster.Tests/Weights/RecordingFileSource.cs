using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>A shipping source over a local folder that counts calls and bytes, and can fail a chosen tensor read.</summary>
internal sealed class RecordingFileSource(ModelFileServer inner) : IModelFileSource
{
    private int _tensorCalls;
    private long _bytes;

    public int TensorCalls => Volatile.Read(ref _tensorCalls);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The tensor read with this (0-based) number throws.</summary>
    public int FailTensorCall { get; set; } = -1;

    public Task<ModelManifest?> GetManifestAsync(string modelPath) => inner.GetManifestAsync(modelPath);

    public async Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length)
    {
        var call = Interlocked.Increment(ref _tensorCalls) - 1;
        if (call == FailTensorCall)
        {
            throw new IOException("source silo went away");
        }

        var bytes = await inner.ReadTensorAsync(modelPath, tensor, offset, length);
        Interlocked.Add(ref _bytes, bytes.Length);
        return bytes;
    }

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length)
    {
        var bytes = await inner.ReadFileAsync(modelPath, file, offset, length);
        Interlocked.Add(ref _bytes, bytes.Length);
        return bytes;
    }
}
