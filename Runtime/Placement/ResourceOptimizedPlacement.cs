namespace DistInfer.Runtime.Placement;

/// <summary>Built-in strategy; see ResourceOptimizedPlacementDirector.</summary>
public sealed class ResourceOptimizedPlacement : PlacementStrategy
{
    public static readonly ResourceOptimizedPlacement Instance = new();
}
