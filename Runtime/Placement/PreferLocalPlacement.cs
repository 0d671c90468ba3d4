namespace DistInfer.Runtime.Placement;

/// <summary>Built-in strategy; see PreferLocalPlacementDirector.</summary>
public sealed class PreferLocalPlacement : PlacementStrategy
{
    public static readonly PreferLocalPlacement Instance = new();
}
