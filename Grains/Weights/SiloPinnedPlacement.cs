using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Weights;

/// <summary>The grain key is a silo address or pin: the activation lives on that silo (a per-silo service grain).</summary>
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static readonly SiloPinnedPlacement Instance = new();
}
