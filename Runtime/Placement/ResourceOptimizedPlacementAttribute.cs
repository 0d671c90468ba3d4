namespace DistInfer.Runtime.Placement;

/// <summary>Places activations of the grain class with <see cref="ResourceOptimizedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ResourceOptimizedPlacementAttribute : PlacementAttribute
{
    public ResourceOptimizedPlacementAttribute()
        : base(ResourceOptimizedPlacement.Instance)
    {
    }
}
