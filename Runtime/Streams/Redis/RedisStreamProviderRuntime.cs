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
    private readonly Lock _adding = new();
    private List<(string Field, byte[] Payload, TaskCompletionSource<RedisStreamSequenceToken> Done)>? _waitingForConnection;
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
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException($"Redis stream provider '{Name}' has a ConnectionString Redis does not take ('{Options.ConnectionString}'): {ex.Message}", ex);
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
    internal async Task<RedisStreamQueue> QueueAsync(string streamField) =>
        Queue(Mapper.GetQueueIndex(streamField), await GetConnectionAsync().ConfigureAwait(false));

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

    /// <summary>
    /// XADD. Commands are submitted under a lock in call order (the multiplexer keeps that order on the wire);
    /// items produced while the connection is still opening wait in a list and go out in order once it is.
    /// </summary>
    internal Task<RedisStreamSequenceToken> AddAsync(string streamField, byte[] payload)
    {
        lock (_adding)
        {
            if (_waitingForConnection is null && Volatile.Read(ref _connection) is { } connection)
            {
                return Queue(Mapper.GetQueueIndex(streamField), connection).AddAsync(payload, streamField);
            }

            if (_waitingForConnection is null)
            {
                _waitingForConnection = [];
                _ = ConnectThenAddAsync();
            }

            var done = new TaskCompletionSource<RedisStreamSequenceToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitingForConnection.Add((streamField, payload, done));
            return done.Task;
        }
    }

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

    private RedisStreamQueue Queue(int index, IConnectionMultiplexer connection)
    {
        if (Volatile.Read(ref _queues[index]) is { } queue)
        {
            return queue;
        }

        Interlocked.CompareExchange(ref _queues[index], new RedisStreamQueue(connection, QueueOptions(index)), null);
        return _queues[index]!;
    }

    private async Task ConnectThenAddAsync()
    {
        Exception? failure = null;
        IConnectionMultiplexer? connection = null;
        try
        {
            connection = await GetConnectionAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Any failure, expected or not, reaches every waiting producer: one left out would wait forever, and so
            // would every producer after it (they keep joining the list no one drains).
            failure = ex;
        }

        lock (_adding)
        {
            foreach (var (field, payload, done) in _waitingForConnection!)
            {
                if (connection is null)
                {
                    done.TrySetException(failure!);
                }
                else
                {
                    _ = Queue(Mapper.GetQueueIndex(field), connection).AddAsync(payload, field).ContinueWith(
                        static (added, state) => ((TaskCompletionSource<RedisStreamSequenceToken>)state!).TrySetFromTask(added),
                        done,
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }
            }

            _waitingForConnection = null;
        }
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
