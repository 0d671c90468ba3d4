namespace DistInfer.Runtime.Placement;

/// <summary>Places activations of the grain class with <see cref="HashBasedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class HashBasedPlacementAttribute : PlacementAttribute
{
    public HashBasedPlacementAttribute()
        : base(HashBasedPlacement.Instance)
    {
    }
}
