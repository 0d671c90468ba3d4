using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Holds stage 0 inside its n-th micro-batch until stage 1 has started its (n-1)-th. A pipelined fabric lets stage 1
/// take micro-batch n-1 while stage 0 works on n, so the hold ends with both stages busy at once (deterministic
/// overlap, no timing); a fabric where stage 0 waits for stage 1 before taking more work never gets there, and the
/// hold gives up after <see cref="HoldLimit"/> and counts a miss.
/// When delivery is fast, stage 1 may start n-1 before stage 0 starts n, so stage 0 is never held. Then stage 1 is
/// held instead, inside its k-th micro-batch until stage 0 starts its (k+1)-th, until one such hold succeeds. A
/// step's last micro-batch has no successor before the step ends, so that hold gives up after
/// <see cref="BoundaryLimit"/> without counting a miss.
/// </summary>
internal sealed class PipelineOverlapProbe(string model) : IStageActivityListener
{
    private static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BoundaryLimit = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly List<(long Needed, TaskCompletionSource Reached)> _firstWaiters = [];
    private readonly List<(long Needed, TaskCompletionSource Reached)> _secondWaiters = [];
    private long _firstStageStarts;
    private long _secondStageStarts;
    private bool _secondHeldOnce;

    /// <summary>Micro-batches held until the other stage started its neighbour: both stages were busy at once.</summary>
    public int Overlaps { get; private set; }

    /// <summary>Holds of stage 0 that ran out of time: stage 1 never started while stage 0 was busy.</summary>
    public int Misses { get; private set; }

    public async ValueTask OnBusyAsync(string stageKey, StageStep step)
    {
        if (stageKey == new StageKey(model, 0, 1).ToString())
        {
            await OnSecondStageAsync();
        }
        else if (stageKey == new StageKey(model, 0, 0).ToString())
        {
            await OnFirstStageAsync();
        }
    }

    private async Task OnFirstStageAsync()
    {
        TaskCompletionSource wait;
        lock (_lock)
        {
            var needs = _firstStageStarts++;
            Release(_secondWaiters, _firstStageStarts);
            if (_secondStageStarts >= needs)
            {
                return;
            }

            wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _firstWaiters.Add((needs, wait));
        }

        try
        {
            await wait.Task.WaitAsync(HoldLimit);
            lock (_lock)
            {
                Overlaps++;
            }
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                Misses++;
            }
        }
    }

    private async Task OnSecondStageAsync()
    {
        TaskCompletionSource wait;
        lock (_lock)
        {
            var index = _secondStageStarts++;
            Release(_firstWaiters, _secondStageStarts);
            if (_secondHeldOnce || _firstStageStarts >= index + 2)
            {
                return;
            }

            wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _secondWaiters.Add((index + 2, wait));
        }

        try
        {
            await wait.Task.WaitAsync(BoundaryLimit);
            lock (_lock)
            {
                _secondHeldOnce = true;
                Overlaps++;
            }
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _secondWaiters.RemoveAll(w => w.Reached == wait);
            }
        }
    }

    private static void Release(List<(long Needed, TaskCompletionSource Reached)> waiters, long started)
    {
        for (var i = waiters.Count - 1; i >= 0; i--)
        {
            if (waiters[i].Needed <= started)
            {
                waiters[i].Reached.TrySetResult();
                waiters.RemoveAt(i);
            }
        }
    }
}
