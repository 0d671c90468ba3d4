using System.Globalization;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Spreads a provider's logical streams over a fixed number of Redis streams ("queues"): a logical stream always
/// maps to the same queue, so its items keep their order. Queue keys carry a hash tag so Redis Cluster can place
/// queues on different shards.
/// </summary>
public sealed class RedisStreamQueueMapper
{
    private readonly string _keyPrefix;
    private readonly string _providerName;

    public RedisStreamQueueMapper(string keyPrefix, string providerName, int queueCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        _keyPrefix = keyPrefix;
        _providerName = providerName;
        QueueCount = queueCount;
    }

    public int QueueCount { get; }

    public int GetQueueIndex(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        return (int)(RedisStreamHash.Of(streamId) % (ulong)QueueCount);
    }

    /// <summary>"{prefix}:{{provider-index}}:stream", e.g. "distinfer:{redis-3}:stream".</summary>
    public string GetQueueKey(int queueIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queueIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queueIndex, QueueCount);
        return string.Create(CultureInfo.InvariantCulture, $"{_keyPrefix}:{{{_providerName}-{queueIndex}}}:stream");
    }

    public string GetQueueKey(string streamId) => GetQueueKey(GetQueueIndex(streamId));
}
