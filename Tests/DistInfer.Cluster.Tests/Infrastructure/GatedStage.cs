using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Holds a stage's first micro-batch before its compute (awaiting, so the stage still interleaves) until released.</summary>
internal sealed class GatedStage(string stageKey) : IStageActivityListener
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask OnBusyAsync(string stage, StageStep step)
    {
        if (stage == stageKey && Entered.TrySetResult())
        {
            await Release.Task;
        }
    }
}
