namespace DistInfer.Runtime.Membership;

/// <summary>
/// Counts the agent's table work in progress (not time spent waiting for probe replies or timers), so tests that
/// drive a fake clock can wait until every effect of a tick has landed before they look.
/// </summary>
internal sealed class AgentWorkTracker
{
    private readonly Lock _lock = new();
    private int _busy;
    private TaskCompletionSource _idle = NewCompleted();

    public void Enter()
    {
        lock (_lock)
        {
            if (_busy++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (--_busy == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    public Task WhenIdleAsync()
    {
        lock (_lock)
        {
            return _idle.Task;
        }
    }

    private static TaskCompletionSource NewCompleted()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
