using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[HashBasedPlacement]
public sealed class HashBasedGrain : Grain, IHashBasedGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
