using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>Places expert replicas: a layer's experts spread over silos, replicas of one expert on distinct silos.</summary>
public sealed class ExpertPlacement : PlacementStrategy
{
    public static readonly ExpertPlacement Instance = new();
}
