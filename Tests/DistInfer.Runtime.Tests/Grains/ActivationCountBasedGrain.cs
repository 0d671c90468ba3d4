using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[ActivationCountBasedPlacement]
public sealed class ActivationCountBasedGrain : Grain, IActivationCountBasedGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
