using DistInfer.Grains.Balancing;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Placement;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// Registers the inference fabric in a silo: the pipeline's memory stream provider, expert placement, the silo's
/// front, and weight shipping (configure
/// <see cref="WeightsOptions"/> for the model cache folder and which model paths the silo reads directly).
/// </summary>
public static class FabricServiceCollectionExtensions
{
    public static IServiceCollection AddDistInferFabric(this IServiceCollection services, FabricOptions? options = null)
    {
        // Loads the grain assembly, whose module initializer registers the generated proxies and invokers.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(StageGrain).TypeHandle);
        services.AddMemoryStreams(PipelineStreams.Provider);
        services.AddPlacementDirector<ExpertPlacement, ExpertPlacementDirector>();
        services.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        services.AddOptions<WeightsOptions>();
        services.TryAddSingleton<ModelFileServer>();
        services.TryAddSingleton<DeploymentRecords>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiloLifecycleParticipant, DeploymentRecordsHandOff>());
        services.AddPlacementDirector<ElsewherePlacement, ElsewherePlacementDirector>();
        services.AddPlacementDirector<StagePlacement, StagePlacementDirector>();
        services.TryAddSingleton<LocalStages>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiloLifecycleParticipant, StageHandOffAnnouncer>());
        services.TryAddSingleton<ModelWeightStore>();
        var fabric = options ?? new FabricOptions();
        services.TryAddSingleton(fabric);
        services.TryAddSingleton(sp => new FabricFront(sp, fabric));
        services.TryAddSingleton(sp => new SiloJoinRebalancer(
            sp.GetRequiredService<IClusterMembershipService>(),
            sp.GetRequiredService<DeploymentRecords>(),
            fabric,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<SiloJoinRebalancer>>() ?? NullLogger<SiloJoinRebalancer>.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiloLifecycleParticipant, SiloJoinRebalancer>(sp => sp.GetRequiredService<SiloJoinRebalancer>()));
        services.TryAddSingleton(sp => new SiloDeathRepairer(
            sp.GetRequiredService<IClusterMembershipService>(),
            sp.GetRequiredService<DeploymentRecords>(),
            fabric,
            sp.GetService<ILogger<SiloDeathRepairer>>() ?? NullLogger<SiloDeathRepairer>.Instance,
            sp.GetService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiloLifecycleParticipant, SiloDeathRepairer>(sp => sp.GetRequiredService<SiloDeathRepairer>()));
        services.TryAddSingleton<GatewayCounters>();
        services.TryAddSingleton(sp => new GenerationSessions(sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<GatewayCounters>()));
        services.TryAddSingleton<Compute.LocalExperts>();
        return services;
    }
}
