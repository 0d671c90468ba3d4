using System.Runtime.CompilerServices;

namespace DistInfer.Runtime.Activation;

/// <summary>
/// Runs an activation's tasks one at a time on the thread pool, so grain code (and its await continuations) never
/// runs on two threads at once, even when requests interleave.
/// </summary>
internal sealed class ActivationTaskScheduler : TaskScheduler, IThreadPoolWorkItem
{
    private const int TurnBudget = 64;

    /// <summary>Nested inline turns (a grain calling an idle grain calling ...) allowed on one thread.</summary>
    private const int MaxInlineDepth = 4;

    [ThreadStatic]
    private static ActivationTaskScheduler? _current;

    [ThreadStatic]
    private static Task? _inlineTask;

    [ThreadStatic]
    private static int _inlineDepth;

    private readonly Queue<Task> _queue = new();
    private readonly object _lock = new();
    private bool _scheduled;

    public override int MaximumConcurrencyLevel => 1;

    public void Execute()
    {
        _current = this;
        try
        {
            for (var i = 0; i < TurnBudget; i++)
            {
                Task? task;
                lock (_lock)
                {
                    if (!_queue.TryDequeue(out task))
                    {
                        _scheduled = false;
                        return;
                    }
                }

                TryExecuteTask(task);
            }
        }
        finally
        {
            _current = null;
        }

        // Budget used up: yield the thread, keep our place.
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _scheduled = false;
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>
    /// Starts <paramref name="task"/> on this scheduler, running it on the calling thread when the scheduler is idle
    /// (nothing queued or running): the turn then needs no thread-pool hop, and a caller whose callee completes
    /// synchronously continues without one either. Otherwise (busy, or nested too deep) it is queued as usual.
    /// Continuations the turn schedules are queued and run on the thread pool after it.
    /// </summary>
    public void StartInlineIfIdle(Task task)
    {
        if (_inlineDepth >= MaxInlineDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            task.Start(this);
            return;
        }

        bool busy;
        lock (_lock)
        {
            busy = _scheduled;
            _scheduled = true;
        }

        if (busy)
        {
            task.Start(this); // Queued behind the work there.
            return;
        }

        var previous = _current;
        _current = this;
        _inlineTask = task;
        _inlineDepth++;
        try
        {
            task.Start(this); // QueueTask sees _inlineTask and runs it right here.
        }
        finally
        {
            _inlineDepth--;
            _inlineTask = null;
            _current = previous;
        }

        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _scheduled = false;
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    protected override void QueueTask(Task task)
    {
        if (ReferenceEquals(_inlineTask, task))
        {
            _inlineTask = null;
            TryExecuteTask(task);
            return;
        }

        lock (_lock)
        {
            _queue.Enqueue(task);
            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        ReferenceEquals(_current, this) && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_lock)
        {
            return _queue.ToArray();
        }
    }
}
