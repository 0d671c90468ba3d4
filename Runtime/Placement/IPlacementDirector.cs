using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>Chooses the silo for a new activation of a grain with the given strategy.</summary>
public interface IPlacementDirector
{
    ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context);
}
