namespace DistInfer.Runtime.Tests.Unit.Types;

[GenerateSerializer]
public sealed class Nested
{
    [Id(0)]
    public Dictionary<string, double> Weights { get; set; } = [];

    [Id(1)]
    public int[] Ids { get; set; } = [];
}
