namespace DistInfer.Runtime.Placement;

/// <summary>
/// Base of placement strategies. A strategy is data (e.g. a role name); the matching <see cref="IPlacementDirector"/>
/// registered with AddPlacementDirector decides.
/// </summary>
public abstract class PlacementStrategy
{
    public override string ToString() => GetType().Name;
}
