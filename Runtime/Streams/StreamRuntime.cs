using System.Collections.Concurrent;
using System.Reflection;
using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Streams;

/// <summary>Process-wide stream state: producer queues and the implicit subscriptions of the loaded grain classes.</summary>
public sealed class StreamRuntime
{
    private readonly ConcurrentDictionary<(string Provider, StreamId Stream), ProducerQueue> _queues = new();
    private readonly ConcurrentDictionary<string, (GrainId Template, Guid Handle)[]> _implicit = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _implicitOnly = new(StringComparer.Ordinal);

    internal ProducerQueue QueueFor(string provider, StreamId stream) => _queues.GetOrAdd((provider, stream), static _ => new ProducerQueue());

    /// <summary>(interface name, handle) of every grain class implicitly subscribed to the namespace.</summary>
    internal (GrainId Template, Guid Handle)[] ImplicitSubscribers(string streamNamespace) =>
        _implicit.GetOrAdd(streamNamespace, static ns =>
        {
            var found = new List<(GrainId, Guid)>();
            foreach (var grainClass in GrainTypeRegistry.GrainClasses)
            {
                foreach (var attribute in grainClass.ClassType.GetCustomAttributes<ImplicitStreamSubscriptionAttribute>())
                {
                    if (attribute.Namespace == ns && grainClass.Interfaces.Count > 0)
                    {
                        found.Add((new GrainId(GrainTypeNames.Intern(grainClass.Interfaces[0].FullName!), string.Empty), ImplicitHandle(ns, grainClass.ClassType)));
                    }
                }
            }

            return [.. found];
        });

    /// <summary>Whether a grain class declared the namespace implicit-only (no rendezvous lookup per item).</summary>
    internal bool IsImplicitOnly(string streamNamespace) =>
        _implicitOnly.GetOrAdd(streamNamespace, static ns =>
        {
            foreach (var grainClass in GrainTypeRegistry.GrainClasses)
            {
                foreach (var attribute in grainClass.ClassType.GetCustomAttributes<ImplicitStreamSubscriptionAttribute>())
                {
                    if (attribute.Namespace == ns && attribute.ImplicitOnly)
                    {
                        return true;
                    }
                }
            }

            return false;
        });

    internal static Guid ImplicitHandle(string streamNamespace, Type grainClass)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(bytes[(i * 4)..], StableHash.Compute(streamNamespace, grainClass.FullName + i));
        }

        return new Guid(bytes);
    }
}
