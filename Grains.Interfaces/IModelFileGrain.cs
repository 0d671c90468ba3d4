using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Key: a silo address. Serves the model directories that silo can read to silos that cannot (weight shipping):
/// a manifest of the model's files and tensors, then raw bytes in chunks.
/// </summary>
public interface IModelFileGrain : IGrainWithStringKey
{
    /// <summary>The model's manifest, or null when this silo cannot read <paramref name="modelPath"/>.</summary>
    [ResponseTimeout("00:05:00")]
    Task<ModelManifest?> GetManifest(string modelPath);

    /// <summary>Bytes [offset, offset + length) of a tensor's raw data, as stored in the checkpoint.</summary>
    Task<byte[]> ReadTensor(string modelPath, string tensor, long offset, int length);

    /// <summary>Bytes [offset, offset + length) of a small file of the model directory (config, tokenizer).</summary>
    Task<byte[]> ReadFile(string modelPath, string file, long offset, int length);
}
