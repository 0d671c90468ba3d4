using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime;

/// <summary>Creates generated proxies bound to a call runtime (silo or client).</summary>
public sealed class GrainFactory : IGrainFactory
{
    private readonly Func<IGrainCallRuntime> _runtime;

    public GrainFactory(Func<IGrainCallRuntime> runtime)
    {
        _runtime = runtime;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey => Create<TGrainInterface>(primaryKey);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey => Create<TGrainInterface>(GrainKeys.FromLong(primaryKey));

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey)
        where TGrainInterface : IGrainWithGuidKey => Create<TGrainInterface>(GrainKeys.FromGuid(primaryKey));

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithIntegerCompoundKey => Create<TGrainInterface>(GrainKeys.FromLong(primaryKey, keyExtension));

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithGuidCompoundKey => Create<TGrainInterface>(GrainKeys.FromGuid(primaryKey, keyExtension));

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
        where TGrainInterface : IAddressable
    {
        var info = GrainTypeRegistry.GetInterface(typeof(TGrainInterface));
        return (TGrainInterface)(object)info.ProxyFactory(grainId, _runtime());
    }

    private TGrainInterface Create<TGrainInterface>(string key)
    {
        var info = GrainTypeRegistry.GetInterface(typeof(TGrainInterface));
        return (TGrainInterface)(object)info.ProxyFactory(new GrainId(info.Name, key), _runtime());
    }
}
