namespace DistInfer.Runtime.Tests.Unit.Types;

[GenerateSerializer]
public struct PointStruct
{
    [Id(0)] public int X;
    [Id(1)] public int Y;
}
