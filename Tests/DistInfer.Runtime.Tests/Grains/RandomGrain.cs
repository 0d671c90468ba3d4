using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[RandomPlacement]
public sealed class RandomGrain : Grain, IRandomGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
