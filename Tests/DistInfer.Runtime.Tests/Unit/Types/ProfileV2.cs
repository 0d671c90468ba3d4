namespace DistInfer.Runtime.Tests.Unit.Types;

/// <summary>Version 2 adds fields; old readers must skip them, new readers must accept old data.</summary>
[GenerateSerializer]
public sealed record ProfileV2([property: Id(0)] string Name, [property: Id(1)] int Age)
{
    [Id(2)]
    public List<string> Tags { get; init; } = ["default"];

    [Id(3)]
    public Nested? Child { get; set; }
}
