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

    /// <summary>Steps in a row that deferred sequences: each doubles the wait before the next try, up to 16 times.</summary>
    private int _deferStreak;

    /// <summary>Sequences a step could not start and put back in the queue so far (tests and metrics).</summary>
    public long Deferrals => Interlocked.Read(ref _deferrals);

    /// <summary>Takes the deferred sequences out of the running batch; the step's logits for the others.</summary>
    private float[] Defer(BatchSequence[] batch, SequencesDeferredException deferred)
    {
        foreach (var s in batch)
        {
            if (deferred.SequenceIds.Contains(s.Id))
            {
                s.Restart();
                _running.Remove(s);
                _deferred.Add(s);
                Interlocked.Increment(ref _waitingCount);
                Interlocked.Increment(ref _deferrals);
            }
        }

        _deferStreak = Math.Min(_deferStreak + 1, 5);
        _deferredRetryAt = Environment.TickCount64 + ((long)_options.DeferredRetryDelay.TotalMilliseconds << (_deferStreak - 1));
        return deferred.Logits;
    }

    /// <summary>A step deferred nothing: the next deferral waits the shortest time again.</summary>
    private void NoneDeferred() => _deferStreak = 0;

    /// <summary>
    /// Deferred sequences rejoin the batch, oldest first and within the step's prefill budget, once their wait is over;
    /// cancelled ones end at once. True while some still wait (newer requests are not admitted meanwhile).
    /// </summary>
    private bool AdmitDeferred()
    {
        if (_deferred.Count == 0)
        {
            return false;
        }

        var due = Environment.TickCount64 >= _deferredRetryAt;
        var kept = 0;
        var prefillTokens = 0;
        for (var i = 0; i < _deferred.Count; i++)
        {
            var s = _deferred[i];
            var fits = prefillTokens == 0 || prefillTokens + s.PromptIds.Length <= _options.MaxPrefillTokensPerStep;
            if (s.Cancelled || (due && fits && _running.Count < _options.MaxRunning))
            {
                prefillTokens += s.Cancelled ? 0 : s.PromptIds.Length;
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
        return _deferred.Count > 0;
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
