namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Pooled buffer arguments and results: ownership across local and remote calls.</summary>
public interface IBufferGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();

    /// <summary>Checksum of the argument; the handle the grain saw is published in <see cref="BufferGrain.Borrowed"/>.</summary>
    Task<long> Checksum(PooledBuffer data);

    /// <summary>Keeps the argument beyond the call through Retain().</summary>
    Task Keep(PooledBuffer data);

    Task<long> KeptChecksum();

    /// <summary>Disposes the kept handle; answers how often its memory went back to the pool.</summary>
    Task<int> ReleaseKept();

    /// <summary>A new pooled buffer of the given bytes, published in <see cref="BufferGrain.Returned"/>.</summary>
    Task<PooledBuffer> Make(int length, int seed);
}
