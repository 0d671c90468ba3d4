using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Serialization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Process-wide state of one redis stream provider (one per name and service provider): the Redis connection
/// (opened on first use or at silo start), the queue mapping, producers' XADD and the explicit subscriptions, which
/// live in Redis (one hash per stream) so they survive consumer re-activation and the loss of any silo.
/// </summary>
public sealed class RedisStreamProviderRuntime : IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly RedisStreamQueue?[] _queues;
    private ConnectionMultiplexer? _connection;

    internal RedisStreamProviderRuntime(string name, RedisStreamProviderOptions options, StreamRuntime streams, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Options = options;
        Streams = streams;
        Time = time;
        Loggers = loggers;
        Logger = loggers.CreateLogger<RedisStreamProviderRuntime>();
        Mapper = new RedisStreamQueueMapper(options.KeyPrefix, name, options.QueueCount);
        _queues = new RedisStreamQueue?[options.QueueCount];
    }

    public string Name { get; }

    public RedisStreamProviderOptions Options { get; }

    public RedisStreamQueueMapper Mapper { get; }

    internal StreamRuntime Streams { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory Loggers { get; }

    internal ILogger Logger { get; }

    /// <summary>The connection, opened now if needed; throws <see cref="RedisStreamUnavailableException"/> naming the endpoint.</summary>
    public async Task<IConnectionMultiplexer> GetConnectionAsync()
    {
        if (Volatile.Read(ref _connection) is { } open)
        {
            return open;
        }

        await _connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                if (string.IsNullOrWhiteSpace(Options.ConnectionString))
                {
                    throw new InvalidOperationException($"Redis stream provider '{Name}' has no ConnectionString: AddRedisStreams(\"{Name}\", o => o.ConnectionString = \"host:port\")");
                }

                try
                {
                    Volatile.Write(ref _connection, await RedisConnector.ConnectAsync(Options.ConnectionString, Options.ConnectTimeout).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
                {
                    throw new RedisStreamUnavailableException(
                        $"Redis stream provider '{Name}' cannot reach Redis at {RedisConnector.DescribeEndpoint(Options.ConnectionString)}: {ex.Message}", ex);
                }
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>The Redis stream that carries <paramref name="streamField"/>'s items.</summary>
    internal async Task<RedisStreamQueue> QueueAsync(string streamField)
    {
        var index = Mapper.GetQueueIndex(streamField);
        if (Volatile.Read(ref _queues[index]) is { } queue)
        {
            return queue;
        }

        var created = new RedisStreamQueue(await GetConnectionAsync().ConfigureAwait(false), QueueOptions(index));
        Interlocked.CompareExchange(ref _queues[index], created, null);
        return _queues[index]!;
    }

    internal RedisStreamPullingOptions PullingOptions() => new()
    {
        GroupName = Options.GroupName,
        ReadBatchSize = Options.ReadBatchSize,
        MaxLength = Options.MaxLength,
        PollInterval = Options.PollInterval,
        ClaimMinIdle = Options.ClaimMinIdle,
        ClaimInterval = Options.ClaimInterval,
        RestartDelay = Options.DeliveryRetryDelay,
    };

    internal async Task<RedisStreamSequenceToken> AddAsync(string streamField, byte[] payload) =>
        await (await QueueAsync(streamField).ConfigureAwait(false)).AddAsync(payload, streamField).ConfigureAwait(false);

    internal Task AddSubscriptionAsync(string streamField, StreamSubscription subscription) =>
        RunAsync(db => db.HashSetAsync(SubscriptionsKey(streamField), subscription.HandleId.ToString("N"), Serializer.SerializeToArray(subscription)));

    internal Task RemoveSubscriptionAsync(string streamField, Guid handleId) =>
        RunAsync(db => db.HashDeleteAsync(SubscriptionsKey(streamField), handleId.ToString("N")));

    internal async Task<List<StreamSubscription>> GetSubscriptionsAsync(string streamField)
    {
        var entries = await RunAsync(db => db.HashGetAllAsync(SubscriptionsKey(streamField))).ConfigureAwait(false);
        var subscriptions = new List<StreamSubscription>(entries.Length);
        foreach (var entry in entries)
        {
            subscriptions.Add(Serializer.Deserialize<StreamSubscription>((byte[])entry.Value!));
        }

        return subscriptions;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            RedisConnector.Close(connection);
        }

        _connecting.Dispose();
    }

    private RedisStreamQueueOptions QueueOptions(int index) => new()
    {
        StreamKey = Mapper.GetQueueKey(index),
        GroupName = Options.GroupName,
        ReadBatchSize = Options.ReadBatchSize,
        MaxLength = Options.MaxLength,
        OperationTimeout = Options.OperationTimeout,
    };

    private string SubscriptionsKey(string streamField) => $"{Options.KeyPrefix}:{{{Name}}}:subscriptions:{streamField}";

    private async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> operation)
    {
        var connection = await GetConnectionAsync().ConfigureAwait(false);
        return await RedisConnector.RunAsync(
            connection,
            operation,
            Options.OperationTimeout,
            ex => new RedisStreamUnavailableException($"Redis unavailable for stream provider '{Name}' at {RedisConnector.DescribeEndpoint(Options.ConnectionString)}: {ex.Message}", ex)).ConfigureAwait(false);
    }
}
