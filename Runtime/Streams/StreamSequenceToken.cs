namespace DistInfer.Runtime.Streams;

/// <summary>Position of an item in a stream (the memory provider numbers items per producer and stream).</summary>
[GenerateSerializer]
[Immutable]
public sealed record StreamSequenceToken([property: Id(0)] long SequenceNumber);
