using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

public sealed class SiloRoleBasedPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var role = ((SiloRoleBasedPlacement)strategy).Role;
        var silos = context.GetCompatibleSilos(target);
        var matching = new List<SiloAddress>();
        foreach (var silo in silos)
        {
            if (silo.Roles.Contains(role))
            {
                matching.Add(silo.Address);
            }
        }

        return matching.Count == 0
            ? throw new PlacementException($"No active silo has role '{role}' required by {target.GrainId}")
            : new(matching[Random.Shared.Next(matching.Count)]);
    }
}
