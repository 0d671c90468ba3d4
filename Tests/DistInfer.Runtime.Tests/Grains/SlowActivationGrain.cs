using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>OnActivateAsync signals "KEY-activating" and waits for "KEY-gate", so a test can act while it activates.</summary>
[PreferLocalPlacement]
public sealed class SlowActivationGrain : Grain, ISlowActivationGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        Signals.Set(key + "-activating");
        await Signals.WaitAsync(key + "-gate");
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
