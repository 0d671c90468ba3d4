using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// What a silo without the model directory needs to rebuild the parts it loads: the small files (config, tokenizer)
/// and every tensor's dtype and shape. <see cref="Fingerprint"/> identifies the content (file hashes, tensor
/// headers), so copies of one model on several machines share a cache entry and a changed model does not.
/// </summary>
[GenerateSerializer]
public sealed record ModelManifest
{
    /// <summary>The directory's name, for the cache folder and messages.</summary>
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string Fingerprint { get; init; } = "";
    [Id(2)] public List<ModelFileEntry> Files { get; init; } = [];
    [Id(3)] public List<ModelTensorEntry> Tensors { get; init; } = [];
}
