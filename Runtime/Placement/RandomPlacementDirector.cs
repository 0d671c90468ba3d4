using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

public sealed class RandomPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        return new(silos[Random.Shared.Next(silos.Count)].Address);
    }
}
