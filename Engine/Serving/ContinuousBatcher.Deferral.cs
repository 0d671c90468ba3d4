namespace DistInfer.Engine.Serving;

/// <summary>
/// Sequences a step could not start (<see cref="SequencesDeferredException"/>: a stage held as many KV caches as it
/// may, as when several gateways' batchers share one pipeline replica). They wait, ahead of newer requests, and try
/// again after <see cref="BatcherOptions.DeferredRetryDelay"/>, while the running sequences go on. Touched only by
/// the loop.
/// </summary>
public sealed partial class ContinuousBatcher
{
    private readonly List<BatchSequence> _deferred = [];
    private long _deferredRetryAt;
    private long _deferrals;

    /// <summary>Sequences a step could not start and put back in the queue so far (tests and metrics).</summary>
    public long Deferrals => Interlocked.Read(ref _deferrals);

    /// <summary>Takes the deferred sequences out of the running batch; the step's logits for the others.</summary>
    private float[] Defer(BatchSequence[] batch, SequencesDeferredException deferred)
    {
        foreach (var s in batch)
        {
            if (Contains(deferred.SequenceIds, s.Id))
            {
                s.Restart();
                _running.Remove(s);
                _deferred.Add(s);
                Interlocked.Increment(ref _waitingCount);
                Interlocked.Increment(ref _deferrals);
            }
        }

        _deferredRetryAt = Environment.TickCount64 + (long)_options.DeferredRetryDelay.TotalMilliseconds;
        return deferred.Logits;
    }

    private static bool Contains(IReadOnlyCollection<long> ids, long id)
    {
        foreach (var x in ids)
        {
            if (x == id)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Deferred sequences rejoin the batch, oldest first, once their wait is over; cancelled ones end at once.</summary>
    private void AdmitDeferred()
    {
        if (_deferred.Count == 0)
        {
            return;
        }

        var due = Environment.TickCount64 >= _deferredRetryAt;
        var kept = 0;
        for (var i = 0; i < _deferred.Count; i++)
        {
            var s = _deferred[i];
            if (s.Cancelled || (due && _running.Count < _options.MaxRunning))
            {
                Interlocked.Decrement(ref _waitingCount);
                _running.Add(s);
            }
            else
            {
                _deferred[kept++] = s;
            }
        }

        _deferred.RemoveRange(kept, _deferred.Count - kept);
        Volatile.Write(ref _runningCount, _running.Count);
    }

    /// <summary>How long the idle loop waits for a request: until deferred sequences may try again, or for ever.</summary>
    private TimeSpan UntilDeferredRetry => _deferred.Count == 0
        ? Timeout.InfiniteTimeSpan
        : TimeSpan.FromMilliseconds(Math.Max(1, _deferredRetryAt - Environment.TickCount64));

    private void EndDeferred()
    {
        foreach (var s in _deferred)
        {
            Interlocked.Decrement(ref _waitingCount);
            ReleaseSlot(s);
            s.Registration.Dispose();
            s.Output.Writer.TryComplete(StopReason);
        }

        _deferred.Clear();
    }
}
