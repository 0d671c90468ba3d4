namespace DistInfer.Bench.Runtime;

public interface IBenchGrain : IGrainWithIntegerKey
{
    Task<int> Ping(int value);

    Task<int> Payload([Immutable] byte[] data);

    /// <summary>The same payload as a pooled buffer: received into pooled memory, released after the call.</summary>
    Task<int> Buffer(PooledBuffer data);
}
