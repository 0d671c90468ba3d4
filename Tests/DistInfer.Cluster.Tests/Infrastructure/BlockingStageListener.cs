using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Holds one stage inside its first micro-batch until released: a stage that took work and then went silent.</summary>
internal sealed class BlockingStageListener(string stageKey) : IStageActivityListener
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the stage started its first micro-batch.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    public async ValueTask OnBusyAsync(string stage, StageStep step)
    {
        if (stage == stageKey && _entered.TrySetResult())
        {
            await _release.Task;
        }
    }
}
