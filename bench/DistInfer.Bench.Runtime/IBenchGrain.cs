namespace DistInfer.Bench.Runtime;

public interface IBenchGrain : IGrainWithIntegerKey
{
    Task<int> Ping(int value);

    Task<int> Payload([Immutable] byte[] data);
}
