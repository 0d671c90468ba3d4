namespace DistInfer.Grains.Weights;

/// <summary>Where a model cache gets bytes from: a silo that can read the model path (or, in tests, the local disk).</summary>
public interface IModelFileSource
{
    /// <summary>The manifest, or null when the source cannot read <paramref name="modelPath"/>.</summary>
    Task<ModelManifest?> GetManifestAsync(string modelPath);

    Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length);

    Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length);
}
