namespace DistInfer.Runtime.Placement;

/// <summary>Places activations of the grain class with <see cref="ActivationCountBasedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ActivationCountBasedPlacementAttribute : PlacementAttribute
{
    public ActivationCountBasedPlacementAttribute()
        : base(ActivationCountBasedPlacement.Instance)
    {
    }
}
