namespace DistInfer.Engine.Serving;

/// <summary>The batcher going idle and stopping: what a model being undeployed or redeployed waits for.</summary>
public sealed partial class ContinuousBatcher
{
    /// <summary>
    /// Completes once no sequence is running or waiting and their caches are freed (at once when none is). Requests may still join afterwards:
    /// callers stop routing new ones here first (a model being undeployed).
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        Task idle;
        lock (_idleGate)
        {
            if (_ended)
            {
                return;
            }

            idle = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        // Wakes the loop, which completes the task when it finds nothing to do; the finished sequences' caches are
        // freed after their last step, so idle also waits for those.
        _signal.Release();
        await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
        await ReleasesDoneAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void EndWaiting()
    {
        while (_waiting.TryDequeue(out var waiting))
        {
            Interlocked.Decrement(ref _waitingCount);
            ReleaseSlot(waiting);
            waiting.Registration.Dispose();
            waiting.Output.Writer.TryComplete(StopReason);
        }
    }

    private Exception StopReason => Volatile.Read(ref _stopReason) ?? new ObjectDisposedException(nameof(ContinuousBatcher));

    public ValueTask DisposeAsync() => StopAsync(null);

    /// <summary>Stops the loop; running and waiting requests end with <paramref name="reason"/> (default: disposed).</summary>
    public async ValueTask StopAsync(Exception? reason)
    {
        Interlocked.CompareExchange(ref _stopReason, reason, null);
        await _stop.CancelAsync().ConfigureAwait(false);
        _signal.Release();
        await _loop.ConfigureAwait(false);
        // _signal and _stop stay undisposed: late callers (a request, a token's callback, a second stop) still touch
        // them, and neither holds a wait handle or timer.
    }
}
