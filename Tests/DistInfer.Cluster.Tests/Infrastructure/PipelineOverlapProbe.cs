using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Holds stage 0 inside its n-th micro-batch until stage 1 has started its (n-1)-th. A pipelined fabric lets stage 1
/// take micro-batch n-1 while stage 0 works on n, so the hold ends with both stages busy at once (deterministic
/// overlap, no timing); a fabric where stage 0 waits for stage 1 before taking more work never gets there, and the
/// hold gives up after <see cref="HoldLimit"/> and counts a miss.
/// </summary>
internal sealed class PipelineOverlapProbe(string model) : IStageActivityListener
{
    private static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private readonly List<(long Needed, TaskCompletionSource Reached)> _waiters = [];
    private long _firstStageStarts;
    private long _secondStageStarts;

    /// <summary>Stage 0 micro-batches that were held until stage 1 started its predecessor.</summary>
    public int Overlaps { get; private set; }

    /// <summary>Holds that ran out of time: stage 1 never started while stage 0 was busy.</summary>
    public int Misses { get; private set; }

    public async ValueTask OnBusyAsync(string stageKey, StageStep step)
    {
        TaskCompletionSource? wait = null;
        lock (_lock)
        {
            if (stageKey == new StageKey(model, 0, 1).ToString())
            {
                _secondStageStarts++;
                foreach (var (needed, reached) in _waiters.Where(w => w.Needed <= _secondStageStarts).ToArray())
                {
                    reached.TrySetResult();
                    _waiters.Remove((needed, reached));
                }

                return;
            }

            if (stageKey != new StageKey(model, 0, 0).ToString())
            {
                return;
            }

            var needs = _firstStageStarts++;
            if (_secondStageStarts >= needs)
            {
                return;
            }

            wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((needs, wait));
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
}
