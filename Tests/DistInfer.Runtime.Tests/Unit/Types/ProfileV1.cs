namespace DistInfer.Runtime.Tests.Unit.Types;

/// <summary>Version 1 of a message type.</summary>
[GenerateSerializer]
public sealed record ProfileV1([property: Id(0)] string Name, [property: Id(1)] int Age);
