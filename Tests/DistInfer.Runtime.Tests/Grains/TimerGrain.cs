using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

[CollectionAgeLimit("00:02:00")]
public sealed class TimerGrain : Grain, ITimerGrain
{
    private int _ticks;

    public Task Start(TimeSpan period)
    {
        RegisterGrainTimer(
            _ =>
            {
                _ticks++;
                Signals.Set($"tick-{this.GetPrimaryKey()}-{_ticks}");
                return Task.CompletedTask;
            },
            period,
            period);
        return Task.CompletedTask;
    }

    public Task<int> Ticks() => Task.FromResult(_ticks);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Signals.Set("deactivated-" + this.GetPrimaryKey(), reason.ReasonCode);
        return Task.CompletedTask;
    }
}
