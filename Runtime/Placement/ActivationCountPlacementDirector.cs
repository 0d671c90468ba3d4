using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>Power of two choices: two random compatible silos, the one with fewer activations wins.</summary>
public sealed class ActivationCountPlacementDirector : IPlacementDirector
{
    public ValueTask<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Count == 1)
        {
            return new(silos[0].Address);
        }

        var first = Random.Shared.Next(silos.Count);
        var second = Random.Shared.Next(silos.Count - 1);
        if (second >= first)
        {
            second++;
        }

        var a = silos[first];
        var b = silos[second];
        return new(a.Statistics.ActivationCount <= b.Statistics.ActivationCount ? a.Address : b.Address);
    }
}
