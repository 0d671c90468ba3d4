using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Fails every micro-batch holding sequence <c>failing</c> on stage <c>failAt</c>, and holds the one holding <c>held</c>
/// on stage <c>holdAt</c> until released: a step whose micro-batches end differently.
/// </summary>
internal sealed class FailOneHoldOneListener(string failAt, long failing, string holdAt, long held) : IStageActivityListener
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heldDone;

    /// <summary>Completes when the held micro-batch reached the stage.</summary>
    public Task HeldEntered => _entered.Task;

    /// <summary>True once the held micro-batch was let go and went on to compute.</summary>
    public bool HeldDone => Volatile.Read(ref _heldDone) == 1;

    public void Release() => _release.TrySetResult();

    public async ValueTask OnBusyAsync(string stage, StageStep step)
    {
        if (stage == failAt && Array.IndexOf(step.SequenceIds, failing) >= 0)
        {
            throw new InvalidOperationException(FailingStageListener.Message);
        }

        if (stage == holdAt && Array.IndexOf(step.SequenceIds, held) >= 0)
        {
            _entered.TrySetResult();
            await _release.Task;
            Volatile.Write(ref _heldDone, 1);
        }
    }
}
