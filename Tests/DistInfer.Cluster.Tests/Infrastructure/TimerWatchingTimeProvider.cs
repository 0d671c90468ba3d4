namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>The system clock, telling a test when code under it starts a timer (a Task.Delay on this provider).</summary>
internal sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first timer is created.</summary>
    public Task TimerCreated => _timerCreated.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = System.CreateTimer(callback, state, dueTime, period);
        _timerCreated.TrySetResult();
        return timer;
    }
}
