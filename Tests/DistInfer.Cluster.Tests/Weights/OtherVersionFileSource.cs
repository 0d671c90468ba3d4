using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>
/// A silo holding another version of the checkpoint under the same path: every byte differs from the inner source's
/// and so does its manifest's fingerprint. Counts the tensor bytes it serves.
/// </summary>
internal sealed class OtherVersionFileSource(IModelFileSource inner) : IModelFileSource
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public async Task<ModelManifest?> GetManifestAsync(string modelPath) =>
        await inner.GetManifestAsync(modelPath) is { } manifest ? manifest with { Fingerprint = new string('e', manifest.Fingerprint.Length) } : null;

    public async Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length)
    {
        var bytes = Flipped(await inner.ReadTensorAsync(modelPath, tensor, offset, length));
        Interlocked.Add(ref _bytes, bytes.Length);
        return bytes;
    }

    public async Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length) =>
        Flipped(await inner.ReadFileAsync(modelPath, file, offset, length));

    private static byte[] Flipped(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= 0xFF;
        }

        return bytes;
    }
}
