namespace DistInfer.Runtime.Streams.Redis;

/// <summary>Settings of one redis stream provider (named options: AddRedisStreams(name, configure)).</summary>
public sealed class RedisStreamProviderOptions
{
    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379". Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of every key; clusters sharing one Redis need different prefixes.</summary>
    public string KeyPrefix { get; set; } = "distinfer";

    /// <summary>Redis streams the provider's logical streams are spread over (each is consumed by one silo).</summary>
    public int QueueCount { get; set; } = 8;

    public string GroupName { get; set; } = "distinfer";

    /// <summary>Approximate cap on entries kept per queue (XADD MAXLEN ~): older items can no longer be rewound to.</summary>
    public long MaxLength { get; set; } = 1_000_000;

    public int ReadBatchSize { get; set; } = 64;

    /// <summary>Wait between reads of a queue that found nothing.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Entries a dead or departed silo left unacked this long are taken over by the queue's new owner.</summary>
    public TimeSpan ClaimMinIdle { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Attempts to deliver one item to one subscriber (its OnNextAsync threw, the payload did not deserialize, or
    /// the consumer grain was unreachable) before the item is logged and skipped for that subscriber, so one bad
    /// consumer or item never stalls the other streams of its queue. The item stays in Redis: the consumer can
    /// get it back with ResumeAsync(observer, token).
    /// </summary>
    public int MaxDeliveryAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt; doubles for each further one.</summary>
    public TimeSpan DeliveryRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A Redis command that takes longer fails as unavailable.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
