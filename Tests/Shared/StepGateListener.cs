using DistInfer.Grains;

namespace DistInfer.Tests.Shared;

/// <summary>
/// Lets a stage run <paramref name="freeSteps"/> micro-batches, then holds each further one until released: a test can
/// act between two decode steps however slow the machine is (a slow client once read 832 of 900 tokens in one poll).
/// </summary>
internal sealed class StepGateListener(string stageKey, int freeSteps) : IStageActivityListener
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _steps;

    public void Release() => _release.TrySetResult();

    public async ValueTask OnBusyAsync(string stage, StageStep step)
    {
        if (stage == stageKey && Interlocked.Increment(ref _steps) > freeSteps)
        {
            await _release.Task;
        }
    }
}
