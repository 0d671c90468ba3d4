namespace DistInfer.Runtime.Placement;

/// <summary>Places activations of the grain class with <see cref="RandomPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RandomPlacementAttribute : PlacementAttribute
{
    public RandomPlacementAttribute()
        : base(RandomPlacement.Instance)
    {
    }
}
