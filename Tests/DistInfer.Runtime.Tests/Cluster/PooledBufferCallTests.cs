using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>
/// Pooled buffers across calls: received into pooled memory and released once the call is over, kept valid by
/// Retain(), shared by reference on local calls, handed to the caller when returned.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PooledBufferCallTests(ClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RemoteArgument_AfterCall_ArrivedIntactAndReleasedOnce()
    {
        var (key, grain) = await OnSilo1Async();
        var data = PayloadChecksum.RandomBytes((1 << 20) + 5, seed: 21);
        using var buffer = PooledBuffer.CopyOf(data.AsSpan());

        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(buffer));

        var borrowed = BufferGrain.Borrowed[key];
        Assert.NotSame(buffer, borrowed);
        await Eventually.TrueAsync(() => borrowed.ReturnsToPool == 1, "the runtime releases the received argument");
        Assert.True(borrowed.IsDisposed);
        Assert.False(buffer.IsDisposed);
        Assert.Equal(PayloadChecksum.Of(data), PayloadChecksum.Of(buffer.Span));
    }

    [Fact]
    public async Task RetainedArgument_AfterOtherPayloadsReusedThePool_KeepsItsData()
    {
        var (key, grain) = await OnSilo1Async();
        var kept = PayloadChecksum.RandomBytes(1 << 20, seed: 22);
        using (var buffer = PooledBuffer.CopyOf(kept.AsSpan()))
        {
            await grain.Keep(buffer);
        }

        await Eventually.TrueAsync(() => BufferGrain.Borrowed[key].IsDisposed, "the runtime releases its own handle");
        for (var i = 0; i < 8; i++)
        {
            var other = PayloadChecksum.RandomBytes(1 << 20, seed: 100 + i);
            using var buffer = PooledBuffer.CopyOf(other.AsSpan());
            Assert.Equal(PayloadChecksum.Of(other), await grain.Checksum(buffer));
        }

        Assert.Equal(PayloadChecksum.Of(kept), await grain.KeptChecksum());
        Assert.Equal(1, await grain.ReleaseKept());
    }

    [Fact]
    public async Task LocalArgument_SameSilo_SharedByReferenceAndLeftToCaller()
    {
        var key = Signals.Unique("buffer-local");
        var grain = Cluster.Silos[1].GrainFactory.GetGrain<IBufferGrain>(key);
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await grain.WhereAmI());
        var data = PayloadChecksum.RandomBytes(100_000, seed: 23);
        using var buffer = PooledBuffer.CopyOf(data.AsSpan());

        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(buffer));

        Assert.Same(buffer, BufferGrain.Borrowed[key]);
        Assert.False(buffer.IsDisposed);
    }

    [Fact]
    public async Task RemoteResult_Returned_CallerOwnsIntactCopyAndGrainHandleReleased()
    {
        var (key, grain) = await OnSilo1Async();

        var result = await grain.Make(300_000, seed: 24);

        Assert.Equal(PayloadChecksum.Of(PayloadChecksum.RandomBytes(300_000, seed: 24)), PayloadChecksum.Of(result.Span));
        var returned = BufferGrain.Returned[key];
        await Eventually.TrueAsync(() => returned.ReturnsToPool == 1, "the grain's returned handle is released after sending");
        result.Dispose();
        Assert.Equal(1, result.ReturnsToPool);
    }

    [Fact]
    public async Task ClientArgument_Large_ArrivesIntact()
    {
        var client = await Cluster.ConnectClientAsync(Cluster.Silos[0]);
        var data = PayloadChecksum.RandomBytes((2 << 20) + 1, seed: 25);
        using var buffer = PooledBuffer.CopyOf(data.AsSpan());
        var grain = client.GetGrain<IBufferGrain>(Signals.Unique("buffer-client"));

        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(buffer));
        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(buffer));
    }

    private async Task<(string Key, IBufferGrain Grain)> OnSilo1Async()
    {
        var key = Signals.Unique("buffer");
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await Cluster.Silos[1].GrainFactory.GetGrain<IBufferGrain>(key).WhereAmI());
        return (key, Cluster.Silos[0].GrainFactory.GetGrain<IBufferGrain>(key));
    }
}
