using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>Stage grains: resource-optimized, with a model's stages spread over silos (see the director).</summary>
public sealed class StagePlacement : PlacementStrategy
{
    public static readonly StagePlacement Instance = new();
}
