namespace DistInfer.Runtime;

/// <summary>Creates references (proxies) to grains; creating a reference never activates anything.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey;

    TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey;

    TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey)
        where TGrainInterface : IGrainWithGuidKey;

    TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithIntegerCompoundKey;

    TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithGuidCompoundKey;

    /// <summary>A reference of any addressable interface to an existing identity (also system targets).</summary>
    TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
        where TGrainInterface : IAddressable;
}
