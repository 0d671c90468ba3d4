namespace DistInfer.Runtime.Placement;

/// <summary>Built-in strategy; see ActivationCountBasedPlacementDirector.</summary>
public sealed class ActivationCountBasedPlacement : PlacementStrategy
{
    public static readonly ActivationCountBasedPlacement Instance = new();
}
