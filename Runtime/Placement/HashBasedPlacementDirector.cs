using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>Stable hash of the grain id modulo the compatible silos (ordered), so every silo picks the same one.</summary>
public sealed class HashBasedPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        return new(silos[(int)(target.GrainId.StableHashCode % (uint)silos.Count)].Address);
    }
}
