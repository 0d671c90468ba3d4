using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DistInfer.Runtime.Placement;

public static class PlacementServiceCollectionExtensions
{
    /// <summary>The one call that makes a custom placement work: grains with TStrategy are placed by TDirector.</summary>
    public static IServiceCollection AddPlacementDirector<TStrategy, TDirector>(this IServiceCollection services)
        where TStrategy : PlacementStrategy
        where TDirector : class, IPlacementDirector
    {
        services.TryAddSingleton<TDirector>();
        services.AddSingleton(new PlacementDirectorRegistration(typeof(TStrategy), typeof(TDirector)));
        return services;
    }

    internal static IServiceCollection AddBuiltInPlacement(this IServiceCollection services) =>
        services
            .AddPlacementDirector<RandomPlacement, RandomPlacementDirector>()
            .AddPlacementDirector<PreferLocalPlacement, PreferLocalPlacementDirector>()
            .AddPlacementDirector<HashBasedPlacement, HashBasedPlacementDirector>()
            .AddPlacementDirector<ActivationCountBasedPlacement, ActivationCountPlacementDirector>()
            .AddPlacementDirector<ResourceOptimizedPlacement, ResourceOptimizedPlacementDirector>()
            .AddPlacementDirector<SiloRoleBasedPlacement, SiloRoleBasedPlacementDirector>();
}
