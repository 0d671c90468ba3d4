using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>[StagePlacement]: a model's stages go where resources are freest, spread over silos.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class StagePlacementAttribute : PlacementAttribute
{
    public StagePlacementAttribute()
        : base(StagePlacement.Instance)
    {
    }
}
