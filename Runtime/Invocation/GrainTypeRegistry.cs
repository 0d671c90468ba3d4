using System.Collections.Concurrent;

namespace DistInfer.Runtime.Invocation;

/// <summary>
/// Process-wide registry filled by generated module initializers: grain interfaces (proxy + request factories) and
/// grain classes. Static because module initializers run before any host exists.
/// </summary>
public static class GrainTypeRegistry
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceInfo> ByType = new();
    private static readonly ConcurrentDictionary<string, GrainInterfaceInfo> ByName = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<int, GrainInterfaceInfo> ById = new();
    private static readonly ConcurrentDictionary<string, GrainClassInfo> Implementations = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, GrainClassInfo> Classes = new();

    public static void RegisterInterface(
        Type interfaceType,
        Func<GrainId, IGrainCallRuntime, GrainReference> proxyFactory,
        Func<int, GrainRequest?> requestFactory)
    {
        var info = new GrainInterfaceInfo(interfaceType, proxyFactory, requestFactory);
        ByType[interfaceType] = info;
        ByName[info.Name] = info;
        ById[info.Id] = info;
    }

    public static void RegisterGrainClass(Type classType, params Type[] interfaces)
    {
        var info = new GrainClassInfo(classType, interfaces);
        Classes[classType] = info;
        foreach (var type in interfaces)
        {
            Implementations[GrainTypeNames.Intern(type.FullName ?? type.Name)] = info;
        }
    }

    public static GrainInterfaceInfo GetInterface(Type interfaceType) =>
        ByType.TryGetValue(interfaceType, out var info)
            ? info
            : throw new InvalidOperationException(
                $"'{interfaceType.FullName}' has no generated proxy: does it derive from IGrain, and does its project reference DistInfer.Runtime.Generators?");

    public static bool TryGetInterface(int interfaceId, out GrainInterfaceInfo info) => ById.TryGetValue(interfaceId, out info!);

    public static bool TryGetInterface(string name, out GrainInterfaceInfo info) => ByName.TryGetValue(name, out info!);

    /// <summary>The grain class implementing a grain interface (by the interface's full name), if any.</summary>
    public static bool TryGetImplementation(string interfaceName, out GrainClassInfo info) =>
        Implementations.TryGetValue(interfaceName, out info!);

    public static IEnumerable<GrainClassInfo> GrainClasses => Classes.Values;
}
