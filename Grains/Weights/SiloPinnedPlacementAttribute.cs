using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Weights;

/// <summary>Places activations of the grain class on the silo whose address is the grain key.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SiloPinnedPlacementAttribute : PlacementAttribute
{
    public SiloPinnedPlacementAttribute()
        : base(SiloPinnedPlacement.Instance)
    {
    }
}
