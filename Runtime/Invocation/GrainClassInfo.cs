using System.Reflection;
using DistInfer.Runtime.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Invocation;

/// <summary>A grain class and its attributes, read once at registration.</summary>
public sealed class GrainClassInfo
{
    /// <summary>
    /// A turn run inline longer than this counts as slow. Wall time: on a loaded machine short turns are often
    /// stretched by preemption (waking another thread can hand it the CPU), so the bar is high and only a class whose
    /// turns are mostly slow loses inlining.
    /// </summary>
    private static readonly TimeSpan SlowInlineTurn = TimeSpan.FromMilliseconds(1);
    private ObjectFactory? _factory;
    private long _inlineTurns;
    private long _slowInlineTurns;
    private volatile bool _inlineDisabled;

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

    /// <summary>
    /// Whether calls to idle activations of this class may run their turn on the caller's thread. Turned off for good
    /// once more than about a quarter of its inline turns were slow (a grain computing synchronously): running those
    /// inline would serialize a caller's fan-out and hold up a connection's receive loop. Preemption alone does not.
    /// </summary>
    public bool InlineTurns => !_inlineDisabled;

    /// <summary>Counts one inline turn (approximate counts suffice: races only lose increments).</summary>
    internal void RecordInlineTurn(TimeSpan elapsed)
    {
        var turns = ++_inlineTurns;
        if (elapsed > SlowInlineTurn && ++_slowInlineTurns * 4 > turns + 4)
        {
            _inlineDisabled = true;
        }
    }

    /// <summary>Constructs the grain with constructor injection (factory compiled once per class).</summary>
    public object Create(IServiceProvider services)
    {
        _factory ??= ActivatorUtilities.CreateFactory(ClassType, Type.EmptyTypes);
        return _factory(services, null);
    }
}
