using DistInfer.Runtime.Placement;

namespace DistInfer.Bench.Runtime;

[PreferLocalPlacement]
[Reentrant]
public sealed class BenchGrain : Grain, IBenchGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value + 1);

    public Task<int> Payload(byte[] data) => Task.FromResult(data.Length);

    public Task<int> Buffer(PooledBuffer data) => Task.FromResult(data.Length);
}
