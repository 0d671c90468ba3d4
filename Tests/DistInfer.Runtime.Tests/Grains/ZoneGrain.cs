using DistInfer.Runtime.Tests.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[ZonePlacement("b")]
public sealed class ZoneGrain : Grain, IZoneGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
