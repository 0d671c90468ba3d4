using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Placement;

/// <summary>Picks the silo for a new activation: the grain class's strategy (or the default) → its director.</summary>
internal sealed class PlacementService : IPlacementContext
{
    private readonly Dictionary<Type, IPlacementDirector> _directors = [];
    private readonly IClusterMembershipService _membership;
    private readonly PlacementStrategy _defaultStrategy;

    public PlacementService(IServiceProvider services, IClusterMembershipService membership, SiloAddress localSilo, PlacementStrategy defaultStrategy)
    {
        _membership = membership;
        LocalSilo = localSilo;
        _defaultStrategy = defaultStrategy;
        foreach (var registration in services.GetServices<PlacementDirectorRegistration>())
        {
            _directors[registration.StrategyType] = (IPlacementDirector)services.GetRequiredService(registration.DirectorType);
        }
    }

    public SiloAddress LocalSilo { get; }

    public IReadOnlyList<SiloInfo> GetCompatibleSilos(PlacementTarget target)
    {
        var result = new List<SiloInfo>();
        foreach (var silo in _membership.Current.ActiveSilos)
        {
            if (silo.Hosts(target.GrainInterface))
            {
                result.Add(silo);
            }
        }

        return result.Count > 0
            ? result
            : throw new PlacementException($"No active silo hosts grain interface '{target.GrainInterface}' (unknown grain type, or no grain class implements it)");
    }

    public ValueTask<SiloAddress> PlaceAsync(GrainId grainId)
    {
        if (!GrainTypeRegistry.TryGetImplementation(grainId.Type, out var grainClass))
        {
            // Not known in this process: let a silo that hosts it decide, via the compatible-silo check.
            GetCompatibleSilos(new PlacementTarget(grainId));
        }

        var strategy = grainClass?.Placement ?? _defaultStrategy;
        if (!_directors.TryGetValue(strategy.GetType(), out var director))
        {
            throw new PlacementException($"No placement director registered for {strategy.GetType().Name}; call services.AddPlacementDirector<{strategy.GetType().Name}, TDirector>()");
        }

        return director.OnAddActivation(strategy, new PlacementTarget(grainId), this);
    }
}
