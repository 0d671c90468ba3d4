namespace DistInfer.Runtime.Placement;

/// <summary>Built-in strategy; see RandomPlacementDirector.</summary>
public sealed class RandomPlacement : PlacementStrategy
{
    public static readonly RandomPlacement Instance = new();
}
