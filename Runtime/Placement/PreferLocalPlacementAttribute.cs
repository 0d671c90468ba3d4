namespace DistInfer.Runtime.Placement;

/// <summary>Places activations of the grain class with <see cref="PreferLocalPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PreferLocalPlacementAttribute : PlacementAttribute
{
    public PreferLocalPlacementAttribute()
        : base(PreferLocalPlacement.Instance)
    {
    }
}
