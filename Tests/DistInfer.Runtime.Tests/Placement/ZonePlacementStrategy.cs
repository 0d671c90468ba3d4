using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Placement;

/// <summary>A custom strategy: only silos whose "zone" metadata matches.</summary>
public sealed class ZonePlacementStrategy(string zone) : PlacementStrategy
{
    public string Zone { get; } = zone;
}
