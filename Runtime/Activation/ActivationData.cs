using System.Diagnostics;
using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Activation;

/// <summary>
/// One activation: the grain instance, its scheduler and its request queue. A request starts only when the turn
/// rules allow (nothing running, or [Reentrant], or [AlwaysInterleave]); the lock is never held across an await.
/// </summary>
internal sealed partial class ActivationData : IGrainActivationContext
{
    private static readonly Action<object?> RunTurnAction = static s => ((WorkItem)s!).Activation!.RunTurn((WorkItem)s!);
    private readonly object _lock = new();
    private readonly Queue<WorkItem> _waiting = new();
    private readonly List<GrainTimer> _timers = [];
    private readonly IActivationHost _host;
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private object? _instance;
    private Streams.StreamConsumerExtension? _streamConsumer;
    private Exception? _activationError;
    private ActivationState _state = ActivationState.Creating;
    private int _running;
    private int _reserved;
    private long _lastActiveTimestamp;
    private DateTimeOffset _keepAliveUntil;
    private bool _deactivateRequested;
    private DeactivationReason _reason;

    public ActivationData(GrainId grainId, GrainClassInfo classInfo, IActivationHost host)
    {
        GrainId = grainId;
        ClassInfo = classInfo;
        _host = host;
        _lastActiveTimestamp = host.Time.GetTimestamp();
    }

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public ActivationTaskScheduler Scheduler { get; } = new();

    public IGrainFactory GrainFactory => _host.GrainFactory;

    public IServiceProvider ActivationServices => _host.Services;

    public string RuntimeIdentity => _host.SiloIdentity;

    public Task Deactivated => _deactivated.Task;

    public object? Instance => _instance;

    /// <summary>The stream delivery extension of this activation (created on first use).</summary>
    public Streams.StreamConsumerExtension StreamConsumer => _streamConsumer ??= new Streams.StreamConsumerExtension(GrainId);

    public int RunningCount
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>
    /// Calls handed this activation (a stateless worker picked for them) that have not been enqueued yet, plus those
    /// running or waiting: two concurrent picks must not both take a worker that only looks idle.
    /// </summary>
    public int Load
    {
        get
        {
            lock (_lock)
            {
                return _running + _waiting.Count + _reserved;
            }
        }
    }

    /// <summary>Counts a call picked for this activation until its <see cref="Enqueue"/>.</summary>
    public void Reserve()
    {
        lock (_lock)
        {
            _reserved++;
        }
    }

    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    public bool IsValid => _state == ActivationState.Valid;

    public bool IsInvalid => _state == ActivationState.Invalid;

    /// <param name="item">The request or timer tick.</param>
    /// <param name="allowInline">
    /// A call (local or just received): its turn may run on the calling thread when this activation is idle and its
    /// class's turns have been short (see <see cref="ActivationTaskScheduler.StartInlineIfIdle"/>).
    /// </param>
    public void Enqueue(WorkItem item, bool allowInline = false)
    {
        bool start;
        bool reroute = false;
        Exception? failed = null;
        lock (_lock)
        {
            if (_reserved > 0)
            {
                _reserved--;
            }

            if (_activationError is not null)
            {
                failed = _activationError;
                start = false;
            }
            else if (_state == ActivationState.Invalid)
            {
                reroute = true;
                start = false;
            }
            else if (_state == ActivationState.Valid && !_deactivateRequested && CanRun(item))
            {
                _running++;
                start = true;
            }
            else
            {
                _waiting.Enqueue(item);
                start = false;
            }
        }

        if (failed is not null)
        {
            item.Sink.Fail(failed);
        }
        else if (reroute)
        {
            _host.Reroute(this, item);
        }
        else if (start)
        {
            Start(item, allowInline);
        }
    }

    public void DeactivateOnIdle() => RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle"));

    public void DelayDeactivation(TimeSpan timeSpan) => _keepAliveUntil = _host.Time.GetUtcNow() + timeSpan;

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer(this, _host.Time, callback, options);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    /// <summary>
    /// Idle when nothing runs or waits and the last activity is older than the age limit; a grain that works outside
    /// calls (<see cref="IWorkOutsideCalls"/>) and did since it was last asked is active now instead.
    /// </summary>
    public bool IsIdle(TimeSpan ageLimit)
    {
        lock (_lock)
        {
            var idle = _state == ActivationState.Valid && _running == 0 && _waiting.Count == 0
                && _host.Time.GetElapsedTime(_lastActiveTimestamp) >= ageLimit
                && _host.Time.GetUtcNow() >= _keepAliveUntil;
            if (idle && _instance is IWorkOutsideCalls outside && outside.WorkedSinceLastAsked())
            {
                _lastActiveTimestamp = _host.Time.GetTimestamp();
                return false;
            }

            return idle;
        }
    }

    private bool CanRun(WorkItem item) => _running == 0 || ClassInfo.IsReentrant || item.Interleave;

    /// <summary>The waiting items that may start now (null when none: the common case allocates nothing).</summary>
    private List<WorkItem>? TakeRunnable()
    {
        List<WorkItem>? start = null;
        while (!_deactivateRequested && _waiting.Count > 0 && CanRun(_waiting.Peek()))
        {
            (start ??= []).Add(_waiting.Dequeue());
            _running++;
        }

        return start;
    }

    private void StartAll(List<WorkItem>? items)
    {
        if (items is null)
        {
            return;
        }

        foreach (var item in items)
        {
            Start(item);
        }
    }

    private void Start(WorkItem item, bool allowInline = false)
    {
        if (item.KeepAlive)
        {
            _lastActiveTimestamp = _host.Time.GetTimestamp();
        }

        item.Activation = this;
        if (allowInline && ClassInfo.InlineTurns)
        {
            // Real elapsed time, not the injected clock: this only steers scheduling (long turns stop running inline
            // so callers fanning out to several grains keep their parallelism).
            var started = Stopwatch.GetTimestamp();
            Scheduler.StartInlineIfIdle(new Task(RunTurnAction, item, CancellationToken.None, TaskCreationOptions.DenyChildAttach));
            ClassInfo.RecordInlineTurn(Stopwatch.GetElapsedTime(started));
            return;
        }

        Task.Factory.StartNew(RunTurnAction, item, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler);
    }

    private void RunTurn(WorkItem item)
    {
        ValueTask<object?> pending;
        try
        {
            var target = item.Request?.InterfaceId == Streams.StreamConsumerExtension.InterfaceIdValue ? StreamConsumer : _instance!;
            pending = item.Invoke(target);
        }
        catch (Exception ex)
        {
            Finish(item, null, ex);
            return;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Finish(item, pending.Result, null);
        }
        else
        {
            _ = AwaitTurnAsync(item, pending);
        }
    }

    private async Task AwaitTurnAsync(WorkItem item, ValueTask<object?> pending)
    {
        object? result = null;
        Exception? error = null;
        try
        {
            result = await pending;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Finish(item, result, error);
    }

    private void Finish(WorkItem item, object? result, Exception? error)
    {
        if (error is null)
        {
            item.Sink.Complete(result);
        }
        else
        {
            item.Sink.Fail(error);
        }

        List<WorkItem>? start;
        bool deactivate = false;
        lock (_lock)
        {
            _running--;
            if (item.KeepAlive)
            {
                _lastActiveTimestamp = _host.Time.GetTimestamp();
            }

            if (_deactivateRequested && _running == 0 && _state == ActivationState.Valid)
            {
                _state = ActivationState.Deactivating;
                deactivate = true;
                start = null;
            }
            else
            {
                start = TakeRunnable();
            }
        }

        StartAll(start);
        if (deactivate)
        {
            _ = DeactivateCoreAsync();
        }
    }
}
