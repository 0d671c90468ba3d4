using DistInfer.Runtime.Streams.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

/// <summary>Runs a <see cref="RedisStreamConsumer"/> in the background and records what it delivered.</summary>
internal sealed class StreamTestConsumer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RedisStreamEntry> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<RedisStreamEntry, bool>? _crashBefore;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _target = int.MaxValue;
    private int _disposed;

    public StreamTestConsumer(RedisStreamQueue queue, string name, RedisStreamSequenceToken? rewindFrom = null, Func<RedisStreamEntry, bool>? crashBefore = null, TimeSpan? claimMinIdle = null)
    {
        _crashBefore = crashBefore;
        Consumer = new RedisStreamConsumer(queue, new RedisStreamConsumerOptions
        {
            ConsumerName = name,
            PollInterval = TimeSpan.FromMilliseconds(10),
            ClaimMinIdle = claimMinIdle ?? TimeSpan.FromSeconds(30),
            ClaimInterval = TimeSpan.FromMilliseconds(50),
        });
        Run = Task.Run(() => Consumer.RunAsync(HandleAsync, rewindFrom, _stop.Token));
    }

    public RedisStreamConsumer Consumer { get; }

    public Task Run { get; }

    public IReadOnlyList<RedisStreamEntry> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> entries arrived (or fails when the run ends first).</summary>
    public async Task WaitForAsync(int count)
    {
        lock (_lock)
        {
            _target = count;
            _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_received.Count >= count)
            {
                _reached.TrySetResult();
            }
        }

        var done = await Task.WhenAny(_reached.Task, Run).WaitAsync(TimeSpan.FromSeconds(60));
        if (done == Run)
        {
            await Run;
            throw new InvalidOperationException("consumer stopped before the expected entries arrived");
        }
    }

    /// <summary>
    /// Completes once <paramref name="count"/> distinct entries arrived: at-least-once delivery may repeat an entry,
    /// and a repeat must not stand in for one still to come.
    /// </summary>
    public async Task WaitForDistinctAsync(int count)
    {
        while (true)
        {
            int distinct;
            lock (_lock)
            {
                distinct = _received.Select(e => e.Token).Distinct().Count();
            }

            if (distinct >= count)
            {
                return;
            }

            // Wait for as many more entries as are still missing, then count again.
            await WaitForAsync(Received.Count + (count - distinct));
        }
    }

    /// <summary>Stops the consumer; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await Run;
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        catch (InvalidOperationException)
        {
            // A simulated crash.
        }

        _stop.Dispose();
    }

    private Task HandleAsync(RedisStreamEntry entry, CancellationToken cancellationToken)
    {
        if (_crashBefore?.Invoke(entry) == true)
        {
            throw new InvalidOperationException($"simulated crash before {entry.Token}");
        }

        lock (_lock)
        {
            _received.Add(entry);
            if (_received.Count >= _target)
            {
                _reached.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }
}
