using System.Collections.Concurrent;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

public sealed class OutsideWorkGrain : Grain, IOutsideWorkGrain, IWorkOutsideCalls
{
    private static readonly ConcurrentDictionary<string, int> Done = new();
    private int _calls;
    private int _seen;

    /// <summary>Work for grain <paramref name="key"/> done without a call to it.</summary>
    public static void Work(string key) => Done.AddOrUpdate(key, 1, (_, n) => n + 1);

    public Task<int> Calls() => Task.FromResult(++_calls);

    public bool WorkedSinceLastAsked()
    {
        var done = Done.GetValueOrDefault(this.GetPrimaryKeyString());
        var worked = done != _seen;
        _seen = done;
        Signals.Set("asked-" + this.GetPrimaryKeyString());
        return worked;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Signals.Set("deactivated-" + this.GetPrimaryKeyString(), reason.ReasonCode);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }
}
