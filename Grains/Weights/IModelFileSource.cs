namespace DistInfer.Grains.Weights;

/// <summary>Where a model cache gets bytes from: a silo that can read the model path (or, in tests, the local disk).</summary>
public interface IModelFileSource
{
    /// <summary>
    /// The copies of the model path this source reads from, the preferred first: each ships a whole file alone (and
    /// answers the "did the directory change" check for it), so one file never mixes bytes of two silos' copies,
    /// which may be two versions of the checkpoint. A source that is one copy is its own only copy.
    /// </summary>
    IReadOnlyList<IModelFileSource> Copies => [this];

    /// <summary>The manifest, or null when the source cannot read <paramref name="modelPath"/>.</summary>
    Task<ModelManifest?> GetManifestAsync(string modelPath);

    Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length);

    Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length);
}
