using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>[ElsewherePlacement]: activations go to another silo than the caller's, when there is one.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ElsewherePlacementAttribute : PlacementAttribute
{
    public ElsewherePlacementAttribute()
        : base(ElsewherePlacement.Instance)
    {
    }
}
