using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>[ExpertPlacement] on a grain class keyed "{model}/{layer}/{expert}/{replica}".</summary>
public sealed class ExpertPlacementAttribute() : PlacementAttribute(ExpertPlacement.Instance);
