using System.Collections.Concurrent;
using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[PreferLocalPlacement]
public sealed class BufferGrain : Grain, IBufferGrain
{
    private PooledBuffer? _kept;

    /// <summary>The argument handles grains received, by grain key (tests watch the runtime release them).</summary>
    public static ConcurrentDictionary<string, PooledBuffer> Borrowed { get; } = new();

    /// <summary>The handles grains returned, by grain key.</summary>
    public static ConcurrentDictionary<string, PooledBuffer> Returned { get; } = new();

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task<long> Checksum(PooledBuffer data)
    {
        Borrowed[this.GetPrimaryKeyString()] = data;
        return Task.FromResult(PayloadChecksum.Of(data.Span));
    }

    public Task Keep(PooledBuffer data)
    {
        Borrowed[this.GetPrimaryKeyString()] = data;
        _kept?.Dispose();
        _kept = data.Retain();
        return Task.CompletedTask;
    }

    public Task<long> KeptChecksum() => Task.FromResult(PayloadChecksum.Of(_kept!.Span));

    public Task<int> ReleaseKept()
    {
        _kept!.Dispose();
        return Task.FromResult(_kept.ReturnsToPool);
    }

    public Task<PooledBuffer> Make(int length, int seed)
    {
        var buffer = PooledBuffer.CopyOf(PayloadChecksum.RandomBytes(length, seed).AsSpan());
        Returned[this.GetPrimaryKeyString()] = buffer;
        return Task.FromResult(buffer);
    }
}
