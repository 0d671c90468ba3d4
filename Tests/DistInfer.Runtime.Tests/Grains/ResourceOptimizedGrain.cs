using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[ResourceOptimizedPlacement]
public sealed class ResourceOptimizedGrain : Grain, IResourceOptimizedGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
