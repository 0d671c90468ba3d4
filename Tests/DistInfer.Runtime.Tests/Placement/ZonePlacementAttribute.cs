using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Placement;

[AttributeUsage(AttributeTargets.Class)]
public sealed class ZonePlacementAttribute(string zone) : PlacementAttribute(new ZonePlacementStrategy(zone))
{
}
