using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>Places an activation on a silo other than the one placing it, when there is one (see the director).</summary>
public sealed class ElsewherePlacement : PlacementStrategy
{
    public static readonly ElsewherePlacement Instance = new();
}
