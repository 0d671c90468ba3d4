namespace DistInfer.Runtime.Activation;

/// <summary>
/// Runs an activation's tasks one at a time on the thread pool, so grain code (and its await continuations) never
/// runs on two threads at once, even when requests interleave.
/// </summary>
internal sealed class ActivationTaskScheduler : TaskScheduler, IThreadPoolWorkItem
{
    private const int TurnBudget = 64;

    [ThreadStatic]
    private static ActivationTaskScheduler? _current;

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

    protected override void QueueTask(Task task)
    {
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
