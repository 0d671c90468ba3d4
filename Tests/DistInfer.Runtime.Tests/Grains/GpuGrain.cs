using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[SiloRoleBasedPlacement("gpu")]
public sealed class GpuGrain : Grain, IGpuGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
