using DistInfer.Runtime.Activation;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// The "redis" stream provider: items are appended to Redis Streams (XADD, durable), each silo's pulling agent
/// reads the queues it owns (XREADGROUP) and acks an item (XACK) once its subscribers' OnNextAsync completed:
/// at least once, ordered per stream, resumable and rewindable from a <see cref="StreamSequenceToken"/>.
/// </summary>
public sealed class RedisStreamProvider : IStreamProvider
{
    private readonly RedisStreamProviderRuntime _runtime;
    private readonly ActivationData? _consumer;

    internal RedisStreamProvider(RedisStreamProviderRuntime runtime, ActivationData? consumer)
    {
        _runtime = runtime;
        _consumer = consumer;
    }

    public string Name => _runtime.Name;

    public IAsyncStream<T> GetStream<T>(StreamId streamId) => new RedisAsyncStream<T>(streamId, _runtime, _consumer);
}
