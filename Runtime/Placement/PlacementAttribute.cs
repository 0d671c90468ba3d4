namespace DistInfer.Runtime.Placement;

/// <summary>Derive from this to give grain classes a placement: [MyGpuPlacement] → new MyGpuPlacementStrategy().</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public abstract class PlacementAttribute : Attribute
{
    protected PlacementAttribute(PlacementStrategy placementStrategy)
    {
        PlacementStrategy = placementStrategy;
    }

    public PlacementStrategy PlacementStrategy { get; }
}
