using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Placement;

/// <summary>
/// The opposite of prefer-local: an active silo other than the placing one, chosen by the grain key's hash (so every
/// silo would choose alike), or the placing silo when it is alone. For state that must outlive the silo that
/// produces it, such as a draining stage's hand-off.
/// </summary>
public sealed class ElsewherePlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var others = new List<SiloAddress>(silos.Count);
        foreach (var silo in silos)
        {
            if (silo.Address != context.LocalSilo)
            {
                others.Add(silo.Address);
            }
        }

        return others.Count == 0
            ? new(silos[0].Address)
            : new(others[(int)(Runtime.StableHash.Compute(target.GrainId.Key) % (uint)others.Count)]);
    }
}
