using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// What a silo without the model directory needs to rebuild the parts it loads: the small files (config, tokenizer)
/// and every tensor's dtype and shape. <see cref="Fingerprint"/> identifies the content (file hashes, tensor
/// headers), so copies of one model on several machines share a cache entry and a changed model does not.
/// <see cref="ContentFingerprint"/> leaves the path and file times out: equal for copies of one checkpoint anywhere.
/// </summary>
[GenerateSerializer]
public sealed record ModelManifest
{
    /// <summary>The directory's name, for the cache folder and messages.</summary>
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string Fingerprint { get; init; } = "";
    [Id(2)] public List<ModelFileEntry> Files { get; init; } = [];
    [Id(3)] public List<ModelTensorEntry> Tensors { get; init; } = [];

    /// <summary>
    /// The checkpoint's content whatever its path: config and tokenizer files, tensor names, dtypes and shapes, and a
    /// few bytes of each tensor. Empty from a silo that predates it.
    /// </summary>
    [Id(4)] public string ContentFingerprint { get; init; } = "";
}
