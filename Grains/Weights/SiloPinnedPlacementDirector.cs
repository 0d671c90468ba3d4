using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains.Weights;

/// <summary>
/// Returns the silo named by the key: its address, or its pin (host:port, as expert keys name silos). A key naming no
/// active silo fails the call (never placed elsewhere).
/// </summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            var address = silo.Address.ToString();
            if (string.Equals(address, target.GrainId.Key, StringComparison.Ordinal) || string.Equals(ExpertKey.PinOf(address), target.GrainId.Key, StringComparison.Ordinal))
            {
                return new(silo.Address);
            }
        }

        throw new PlacementException($"{target.GrainId}: silo {target.GrainId.Key} is not an active silo hosting {target.GrainInterface}");
    }
}
