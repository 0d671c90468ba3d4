namespace DistInfer.Runtime.Streams.Redis;

/// <summary>How a silo consumes the Redis stream queues it owns.</summary>
public sealed class RedisStreamPullingOptions
{
    public string GroupName { get; init; } = "distinfer";

    public int ReadBatchSize { get; init; } = 64;

    /// <summary>Approximate cap on entries kept per queue (XADD MAXLEN ~).</summary>
    public long MaxLength { get; init; } = 1_000_000;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long entries of a previous owner stay unacked before this silo takes them over.</summary>
    public TimeSpan ClaimMinIdle { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A new owner delivers what the previous owner left unacked before new entries (order per stream).</summary>
    public bool OrderedTakeover { get; init; } = true;

    /// <summary>Entries of different logical streams in a batch are delivered side by side (each stream in order).</summary>
    public bool ConcurrentStreams { get; init; } = true;

    /// <summary>Wait before a queue whose handler failed is read again (its entry is still pending).</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);
}
