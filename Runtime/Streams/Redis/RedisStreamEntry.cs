namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// One stream item: its position, the logical stream it belongs to (many logical streams share one Redis stream,
/// see <see cref="RedisStreamQueueMapper"/>; empty when not set) and its raw payload bytes (never re-encoded).
/// </summary>
public readonly record struct RedisStreamEntry(RedisStreamSequenceToken Token, string StreamId, ReadOnlyMemory<byte> Payload);
