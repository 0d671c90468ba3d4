namespace DistInfer.Runtime.Streams.Redis;

/// <summary>How one consumer of a group reads a Redis stream.</summary>
public sealed class RedisStreamConsumerOptions
{
    /// <summary>Unique and stable per consumer: a restarted consumer with the same name gets its pending entries back.</summary>
    public required string ConsumerName { get; init; }

    /// <summary>Wait between reads that found nothing (commands never block the shared connection).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Entries another consumer has held unacked this long are taken over (it is presumed dead).</summary>
    public TimeSpan ClaimMinIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for such entries.</summary>
    public TimeSpan ClaimInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Before reading new entries, deliver every entry other consumers hold unacked: wait while their owner still
    /// works (a queue handed over by a live silo) and claim them once idle for ClaimMinIdle (a dead one). Keeps each
    /// stream in order across a change of owner, at the price of a pause of up to ClaimMinIdle after a crash.
    /// </summary>
    public bool TakeOverPendingFirst { get; init; }

    /// <summary>
    /// Deliver the entries of different logical streams (<see cref="RedisStreamEntry.StreamId"/>) of a batch
    /// concurrently, each stream's entries still one after another.
    /// </summary>
    public bool ConcurrentStreams { get; init; }

    /// <summary>Where a group created by this consumer starts: true = the whole stream, false = only new entries.</summary>
    public bool NewGroupReadsFromStart { get; init; } = true;
}
