using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>The calling silo when it hosts the grain type, otherwise random.</summary>
public sealed class PreferLocalPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        foreach (var silo in silos)
        {
            if (silo.Address == context.LocalSilo)
            {
                return new(silo.Address);
            }
        }

        return new(silos[Random.Shared.Next(silos.Count)].Address);
    }
}
