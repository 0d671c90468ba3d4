using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Placement;

/// <summary>What a custom director looks like: filter compatible silos by metadata, pick one.</summary>
public sealed class ZonePlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var zone = ((ZonePlacementStrategy)strategy).Zone;
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.Metadata.TryGetValue("zone", out var value) && value == zone)
            {
                return new(silo.Address);
            }
        }

        throw new PlacementException($"No silo in zone {zone}");
    }
}
