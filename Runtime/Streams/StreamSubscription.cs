namespace DistInfer.Runtime.Streams;

/// <summary>A registered explicit subscription: handle and consumer grain.</summary>
[GenerateSerializer]
[Immutable]
public sealed record StreamSubscription([property: Id(0)] Guid HandleId, [property: Id(1)] GrainId Consumer);
