namespace DistInfer.Runtime.Streams.Redis;

/// <summary>One stream item: its position and its raw payload bytes (never re-encoded).</summary>
public readonly record struct RedisStreamEntry(RedisStreamSequenceToken Token, ReadOnlyMemory<byte> Payload);
