using DistInfer.Runtime.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Runs one <see cref="RedisStreamConsumer"/> per queue this silo owns (<see cref="RedisStreamQueueBalancer"/>) and
/// follows membership: queues of a dead or new silo move, and the new owner claims what the old one left unacked
/// after ClaimMinIdle. The handler sees every entry of the owned queues at least once; a handler failure leaves
/// the entry pending and restarts that queue's consumer after RestartDelay.
/// </summary>
public sealed class RedisStreamPullingAgent : IAsyncDisposable
{
    private readonly IMembershipView _membership;
    private readonly SiloAddress _self;
    private readonly IConnectionMultiplexer _connection;
    private readonly RedisStreamQueueMapper _mapper;
    private readonly RedisStreamPullingOptions _options;
    private readonly Func<RedisStreamEntry, CancellationToken, Task> _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (CancellationTokenSource Stop, Task Run)> _consumers = [];

    /// <summary>The last stopped consumer of each queue, which a consumer started again for it waits for.</summary>
    private readonly Dictionary<int, Task> _stopping = [];
    private bool _disposed;

    public RedisStreamPullingAgent(
        IMembershipView membership,
        SiloAddress self,
        IConnectionMultiplexer connection,
        RedisStreamQueueMapper mapper,
        RedisStreamPullingOptions options,
        Func<RedisStreamEntry, CancellationToken, Task> handler,
        TimeProvider? time = null,
        ILogger<RedisStreamPullingAgent>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        _membership = membership;
        _self = self;
        _connection = connection;
        _mapper = mapper;
        _options = options;
        _handler = handler;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The queue indexes this silo consumes now.</summary>
    public IReadOnlyList<int> OwnedQueues
    {
        get
        {
            lock (_lock)
            {
                return [.. _consumers.Keys.Order()];
            }
        }
    }

    /// <summary>A queue client with this agent's settings, e.g. for producers: <c>QueueFor(streamId).AddAsync(...)</c>.</summary>
    public RedisStreamQueue QueueFor(string streamId) => Queue(_mapper.GetQueueIndex(streamId));

    public void Start()
    {
        _membership.MembershipChanged += OnMembershipChanged;
        Rebalance(_membership.CurrentSnapshot);
    }

    public async ValueTask DisposeAsync()
    {
        _membership.MembershipChanged -= OnMembershipChanged;
        (CancellationTokenSource Stop, Task Run)[] consumers;
        Task[] stopping;
        lock (_lock)
        {
            _disposed = true;
            consumers = [.. _consumers.Values];
            _consumers.Clear();
            stopping = [.. _stopping.Values];
            _stopping.Clear();
        }

        foreach (var run in stopping)
        {
            await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var (stop, _) in consumers)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        foreach (var (stop, run) in consumers)
        {
            await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
        }
    }

    private void OnMembershipChanged(MembershipUpdate update) => Rebalance(update.Snapshot);

    private void Rebalance(MembershipSnapshot snapshot)
    {
        var owned = RedisStreamQueueBalancer.GetOwnedQueues(snapshot, _self, _mapper.QueueCount);
        var stopped = new List<CancellationTokenSource>();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var (queue, run) in _stopping.ToList())
            {
                if (run.IsCompleted)
                {
                    _stopping.Remove(queue);
                }
            }

            foreach (var queue in _consumers.Keys.ToList())
            {
                if (!owned.Contains(queue))
                {
                    // Whatever it holds unacked is claimed by the new owner after ClaimMinIdle.
                    stopped.Add(_consumers[queue].Stop);
                    _stopping[queue] = _consumers[queue].Run;
                    _consumers.Remove(queue);
                }
            }

            var changed = stopped.Count > 0;
            foreach (var queue in owned)
            {
                if (!_consumers.ContainsKey(queue))
                {
                    // Owned again soon after it was given up: the stopped consumer may still be in its handler, and
                    // the new one (same consumer name) would read that entry from the pending list at the same time.
                    var previous = _stopping.Remove(queue, out var run) ? run : Task.CompletedTask;
                    var stop = new CancellationTokenSource();
                    _consumers[queue] = (stop, RunQueueAsync(queue, previous, stop.Token));
                    changed = true;
                }
            }

            if (changed)
            {
                RedisStreamPullingAgentLog.Owned(_logger, _self.ToString(), string.Join(",", owned));
            }
        }

        foreach (var stop in stopped)
        {
            stop.Cancel();
        }
    }

    private async Task RunQueueAsync(int queueIndex, Task previous, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var consumer = new RedisStreamConsumer(Queue(queueIndex), new RedisStreamConsumerOptions
        {
            ConsumerName = _self.ToString(),
            PollInterval = _options.PollInterval,
            ClaimMinIdle = _options.ClaimMinIdle,
            ClaimInterval = _options.ClaimInterval,
            TakeOverPendingFirst = _options.OrderedTakeover,
            ConcurrentStreams = _options.ConcurrentStreams,
        }, _time);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await consumer.RunAsync(_handler, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                RedisStreamPullingAgentLog.ConsumerFailed(_logger, _mapper.GetQueueKey(queueIndex), ex);
                await Task.Delay(_options.RestartDelay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private RedisStreamQueue Queue(int queueIndex) => new(_connection, new RedisStreamQueueOptions
    {
        StreamKey = _mapper.GetQueueKey(queueIndex),
        GroupName = _options.GroupName,
        ReadBatchSize = _options.ReadBatchSize,
        MaxLength = _options.MaxLength,
    });
}
