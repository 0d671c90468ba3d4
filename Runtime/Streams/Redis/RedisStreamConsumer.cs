using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// At-least-once delivery of one Redis stream to a handler, as one consumer of a group. An entry is acked only
/// after the handler completed, so a crash re-delivers it: to this consumer when it restarts under the same name,
/// or to another consumer that claims it once idle for ClaimMinIdle. A run can first rewind to a token (XRANGE from
/// there), then continues with the group, skipping (and acking) group entries the rewind already delivered.
/// Redis outages are waited out; a handler exception ends the run with the entry left pending.
/// </summary>
public sealed class RedisStreamConsumer
{
    private readonly RedisStreamQueue _queue;
    private readonly RedisStreamConsumerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private RedisStreamSequenceToken? _rewoundTo;
    private readonly Lock _lock = new();
    private RedisStreamSequenceToken? _lastDelivered;

    public RedisStreamConsumer(RedisStreamQueue queue, RedisStreamConsumerOptions options, TimeProvider? time = null, ILogger<RedisStreamConsumer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ConsumerName);
        _queue = queue;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Token of the last entry handed to the handler (resume point for a later rewind), if any.</summary>
    public RedisStreamSequenceToken? LastDelivered
    {
        get
        {
            lock (_lock)
            {
                return _lastDelivered;
            }
        }
    }

    /// <summary>Delivers entries until cancelled; from <paramref name="rewindFrom"/> (inclusive) when given.</summary>
    public async Task RunAsync(Func<RedisStreamEntry, CancellationToken, Task> handler, RedisStreamSequenceToken? rewindFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await RetryAsync(() => _queue.EnsureGroupAsync(_options.NewGroupReadsFromStart ? RedisStreamSequenceToken.Zero : null), cancellationToken).ConfigureAwait(false);
        if (rewindFrom is { } from)
        {
            await RewindAsync(from, handler, cancellationToken).ConfigureAwait(false);
        }

        if (_options.TakeOverPendingFirst)
        {
            await TakeOverAsync(handler, cancellationToken).ConfigureAwait(false);
        }

        var readOwnPending = true;
        var nextClaim = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var delivered = 0;
                if (readOwnPending)
                {
                    // After a restart or an outage: what this consumer was given but did not ack, first.
                    delivered += await DrainAsync(() => _queue.ReadPendingAsync(_options.ConsumerName), handler, cancellationToken).ConfigureAwait(false);
                    readOwnPending = false;
                }

                if (_time.GetUtcNow() >= nextClaim)
                {
                    nextClaim = _time.GetUtcNow() + _options.ClaimInterval;
                    var claimed = await DrainAsync(() => _queue.ClaimIdleAsync(_options.ConsumerName, _options.ClaimMinIdle), handler, cancellationToken).ConfigureAwait(false);
                    if (claimed > 0)
                    {
                        RedisStreamConsumerLog.Claimed(_logger, _queue.Options.StreamKey, _options.ConsumerName, claimed);
                    }

                    delivered += claimed;
                }

                var batch = await _queue.ReadNewAsync(_options.ConsumerName).ConfigureAwait(false);
                delivered += await DeliverAsync(batch, handler, cancellationToken).ConfigureAwait(false);
                if (delivered == 0)
                {
                    await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RedisStreamUnavailableException ex)
            {
                RedisStreamConsumerLog.Unavailable(_logger, _queue.Options.StreamKey, _options.ConsumerName, ex);
                readOwnPending = true;
                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task TakeOverAsync(Func<RedisStreamEntry, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        while (true)
        {
            var delivered = await RetryAsync(() => DrainAsync(() => _queue.ReadPendingAsync(_options.ConsumerName), handler, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (await RetryAsync(_queue.PendingCountAsync, cancellationToken).ConfigureAwait(false) == 0)
            {
                return;
            }

            // Others' entries: their owner acks them soon (handover) or they become claimable (owner dead).
            var claimed = await RetryAsync(() => DrainAsync(() => _queue.ClaimIdleAsync(_options.ConsumerName, _options.ClaimMinIdle), handler, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (claimed > 0)
            {
                RedisStreamConsumerLog.Claimed(_logger, _queue.Options.StreamKey, _options.ConsumerName, claimed);
            }

            if (delivered + claimed == 0)
            {
                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RewindAsync(RedisStreamSequenceToken from, Func<RedisStreamEntry, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        var cursor = from;
        var exclusive = false;
        while (true)
        {
            var batch = await RetryAsync(() => _queue.RangeAsync(cursor, exclusive: exclusive), cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return;
            }

            foreach (var entry in batch)
            {
                await handler(entry, cancellationToken).ConfigureAwait(false);
                MarkDelivered(entry.Token);
                _rewoundTo = entry.Token;
            }

            cursor = batch[^1].Token;
            exclusive = true;
        }
    }

    private async Task<int> DrainAsync(Func<Task<IReadOnlyList<RedisStreamEntry>>> read, Func<RedisStreamEntry, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var batch = await read().ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return total;
            }

            total += await DeliverAsync(batch, handler, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> DeliverAsync(IReadOnlyList<RedisStreamEntry> batch, Func<RedisStreamEntry, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        if (!_options.ConcurrentStreams || batch.Count < 2)
        {
            await DeliverInOrderAsync(batch, handler, cancellationToken).ConfigureAwait(false);
            return batch.Count;
        }

        // One sequence per logical stream (its order kept), the streams side by side: a slow or retried consumer
        // delays only its own stream. A failure surfaces once every stream's run ended; the failed stream's
        // remaining entries stay pending, still in order.
        var byStream = new Dictionary<string, List<RedisStreamEntry>>(StringComparer.Ordinal);
        foreach (var entry in batch)
        {
            if (!byStream.TryGetValue(entry.StreamId, out var entries))
            {
                byStream[entry.StreamId] = entries = [];
            }

            entries.Add(entry);
        }

        var runs = new Task[byStream.Count];
        var next = 0;
        foreach (var entries in byStream.Values)
        {
            runs[next++] = DeliverInOrderAsync(entries, handler, cancellationToken);
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        return batch.Count;
    }

    private async Task DeliverInOrderAsync(IReadOnlyList<RedisStreamEntry> batch, Func<RedisStreamEntry, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        // Each ack goes out as soon as its handler completed, without waiting for Redis' reply before the next
        // entry: at-least-once holds and a batch costs about one round trip, not one per entry.
        var acks = new List<Task>(batch.Count);
        try
        {
            foreach (var entry in batch)
            {
                // Entries the rewind already handed over are acked without a second delivery.
                if (_rewoundTo is not { } rewound || entry.Token > rewound)
                {
                    await handler(entry, cancellationToken).ConfigureAwait(false);
                    MarkDelivered(entry.Token);
                }

                acks.Add(_queue.AckAsync([entry.Token]));
            }
        }
        catch
        {
            // The handler's failure is what the caller must see; the acks before it still get their chance.
            try
            {
                await Task.WhenAll(acks).ConfigureAwait(false);
            }
            catch (RedisStreamUnavailableException)
            {
                // Those entries stay pending and come back: at least once.
            }

            throw;
        }

        await Task.WhenAll(acks).ConfigureAwait(false);
    }

    private void MarkDelivered(RedisStreamSequenceToken token)
    {
        lock (_lock)
        {
            _lastDelivered = token;
        }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (RedisStreamUnavailableException ex)
            {
                RedisStreamConsumerLog.Unavailable(_logger, _queue.Options.StreamKey, _options.ConsumerName, ex);
                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
