namespace DistInfer.Runtime.Invocation;

/// <summary>A grain interface known to this process: its proxy and request factories (generated).</summary>
public sealed class GrainInterfaceInfo
{
    public GrainInterfaceInfo(
        Type interfaceType,
        Func<GrainId, IGrainCallRuntime, GrainReference> proxyFactory,
        Func<int, GrainRequest?> requestFactory)
    {
        InterfaceType = interfaceType;
        Name = GrainTypeNames.Intern(interfaceType.FullName ?? interfaceType.Name);
        Id = (int)StableHash.Compute(Name);
        ProxyFactory = proxyFactory;
        RequestFactory = requestFactory;
    }

    public Type InterfaceType { get; }

    /// <summary>The interface's full name; also the type part of the GrainIds of grains called through it.</summary>
    public string Name { get; }

    public int Id { get; }

    public Func<GrainId, IGrainCallRuntime, GrainReference> ProxyFactory { get; }

    /// <summary>An empty request for a method id (receiver side), or null for an unknown method.</summary>
    public Func<int, GrainRequest?> RequestFactory { get; }
}
