using DistInfer.Runtime;

namespace DistInfer.Grains.Weights;

/// <summary>One per silo (keyed and placed by silo address): ships this silo's model directories to other silos.</summary>
[SiloPinnedPlacement]
[Reentrant]
public sealed class ModelFileGrain(ModelFileServer server) : Grain, IModelFileGrain
{
    public Task<ModelManifest?> GetManifest(string modelPath) => server.GetManifestAsync(modelPath);

    public Task<byte[]> ReadTensor(string modelPath, string tensor, long offset, int length) => server.ReadTensorAsync(modelPath, tensor, offset, length);

    public Task<byte[]> ReadFile(string modelPath, string file, long offset, int length) => server.ReadFileAsync(modelPath, file, offset, length);
}
