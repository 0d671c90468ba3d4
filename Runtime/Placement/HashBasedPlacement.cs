namespace DistInfer.Runtime.Placement;

/// <summary>Built-in strategy; see HashBasedPlacementDirector.</summary>
public sealed class HashBasedPlacement : PlacementStrategy
{
    public static readonly HashBasedPlacement Instance = new();
}
