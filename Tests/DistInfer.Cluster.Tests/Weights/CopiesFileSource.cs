using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>Several copies of one model path, as ClusterModelFileSource has one per silo; its own calls go to the first.</summary>
internal sealed class CopiesFileSource(params IModelFileSource[] copies) : IModelFileSource
{
    public IReadOnlyList<IModelFileSource> Copies => copies;

    public Task<ModelManifest?> GetManifestAsync(string modelPath) => copies[0].GetManifestAsync(modelPath);

    public Task<byte[]> ReadTensorAsync(string modelPath, string tensor, long offset, int length) => copies[0].ReadTensorAsync(modelPath, tensor, offset, length);

    public Task<byte[]> ReadFileAsync(string modelPath, string file, long offset, int length) => copies[0].ReadFileAsync(modelPath, file, offset, length);
}
