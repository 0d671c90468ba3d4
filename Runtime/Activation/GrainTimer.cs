namespace DistInfer.Runtime.Activation;

/// <summary>Timer whose ticks are queued as turns of the activation; a tick is skipped while the previous one runs.</summary>
internal sealed class GrainTimer : IGrainTimer, IResponseSink
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly GrainTimerCreationOptions _options;
    private readonly CancellationTokenSource _disposed = new();
    private readonly ITimer _timer;
    private int _running;

    public GrainTimer(ActivationData activation, TimeProvider time, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        _activation = activation;
        _callback = callback;
        _options = options;
        _timer = time.CreateTimer(static s => ((GrainTimer)s!).Tick(), this, options.DueTime, options.Period);
    }

    public void Change(TimeSpan dueTime, TimeSpan period) => _timer.Change(dueTime, period);

    public void Dispose()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            _timer.Dispose();
            _activation.RemoveTimer(this);
        }
    }

    public void Complete(object? result) => Volatile.Write(ref _running, 0);

    public void Fail(Exception error) => Volatile.Write(ref _running, 0);

    private void Tick()
    {
        if (_disposed.IsCancellationRequested || Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        _activation.Enqueue(new WorkItem(
            async _ =>
            {
                await _callback(_disposed.Token);
                return null;
            },
            _options.Interleave,
            _options.KeepAlive,
            this));
    }
}
