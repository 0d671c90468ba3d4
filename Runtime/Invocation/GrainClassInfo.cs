using System.Reflection;
using DistInfer.Runtime.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Invocation;

/// <summary>A grain class and its attributes, read once at registration.</summary>
public sealed class GrainClassInfo
{
    private ObjectFactory? _factory;

    public GrainClassInfo(Type classType, IReadOnlyList<Type> interfaces)
    {
        ClassType = classType;
        Interfaces = interfaces;
        IsReentrant = classType.GetCustomAttribute<ReentrantAttribute>() is not null;
        StatelessWorkerMax = classType.GetCustomAttribute<StatelessWorkerAttribute>()?.MaxLocalWorkers ?? 0;
        CollectionAgeLimit = classType.GetCustomAttribute<CollectionAgeLimitAttribute>()?.Amount;
        Placement = classType.GetCustomAttribute<PlacementAttribute>(inherit: true)?.PlacementStrategy;
    }

    public Type ClassType { get; }

    public IReadOnlyList<Type> Interfaces { get; }

    public bool IsReentrant { get; }

    public bool IsStatelessWorker => StatelessWorkerMax > 0;

    public int StatelessWorkerMax { get; }

    public TimeSpan? CollectionAgeLimit { get; }

    /// <summary>The class's [*Placement] strategy, or null for the silo default.</summary>
    public PlacementStrategy? Placement { get; }

    /// <summary>Constructs the grain with constructor injection (factory compiled once per class).</summary>
    public object Create(IServiceProvider services)
    {
        _factory ??= ActivatorUtilities.CreateFactory(ClassType, Type.EmptyTypes);
        return _factory(services, null);
    }
}
