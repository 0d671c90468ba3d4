using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A small file of a model directory (config.json, tokenizer.json...), with its length and SHA-256 (hex).</summary>
[GenerateSerializer]
public sealed record ModelFileEntry
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public long Length { get; init; }
    [Id(2)] public string Sha256 { get; init; } = "";
}
