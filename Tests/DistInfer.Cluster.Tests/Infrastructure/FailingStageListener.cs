using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Makes one stage fail every micro-batch it starts, as a stage whose compute throws would.</summary>
internal sealed class FailingStageListener(string stageKey) : IStageActivityListener
{
    public const string Message = "injected stage failure";
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public ValueTask OnBusyAsync(string stage, StageStep step)
    {
        if (stage != stageKey)
        {
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _calls);
        throw new InvalidOperationException(Message);
    }
}
