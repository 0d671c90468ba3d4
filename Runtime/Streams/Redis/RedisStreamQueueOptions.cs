namespace DistInfer.Runtime.Streams.Redis;

/// <summary>One Redis stream and the consumer group that reads it.</summary>
public sealed class RedisStreamQueueOptions
{
    /// <summary>The stream key, e.g. "distinfer:{cluster}:stream:provider:queue".</summary>
    public required string StreamKey { get; init; }

    public string GroupName { get; init; } = "distinfer";

    /// <summary>Approximate cap on entries kept (XADD MAXLEN ~); older ones are trimmed. 0 keeps everything.</summary>
    public long MaxLength { get; init; } = 1_000_000;

    /// <summary>Entries fetched per read.</summary>
    public int ReadBatchSize { get; init; } = 64;

    /// <summary>A command that takes longer fails as unavailable (retriable).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
