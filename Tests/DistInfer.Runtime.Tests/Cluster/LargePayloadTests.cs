using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>
/// Payloads larger than a connection's receive buffer, sent as frame attachments (immutable arrays, no copy) and
/// received into one buffer of their own, interleaved with small calls on the same connections.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LargePayloadTests(ClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task ImmutableBytes_LargerThanReceiveBuffer_ArriveIntact()
    {
        var grain = await OnSilo1Async();
        var data = PayloadChecksum.RandomBytes((3 << 20) + 17, seed: 1);
        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(data));
    }

    [Fact]
    public async Task ImmutableFloats_LargerThanReceiveBuffer_ArriveIntact()
    {
        var grain = await OnSilo1Async();
        var data = PayloadChecksum.RandomFloats(300_001, seed: 2);
        Assert.Equal(PayloadChecksum.Sum(data), await grain.FloatSum(data));
    }

    [Fact]
    public async Task TwoAttachments_WithFieldBetween_ArriveInOrder()
    {
        var grain = await OnSilo1Async();
        var bytes = PayloadChecksum.RandomBytes(200_000, seed: 3);
        var floats = PayloadChecksum.RandomFloats(70_000, seed: 4);
        var expected = $"{bytes.Length}:{PayloadChecksum.Of(bytes)}|42|{floats.Length}:{PayloadChecksum.Sum(floats)}";
        Assert.Equal(expected, await grain.Describe(bytes, 42, floats));
    }

    [Fact]
    public async Task ImmutableResult_Large_ArrivesIntact()
    {
        var grain = await OnSilo1Async();
        var data = PayloadChecksum.RandomBytes(1 << 20, seed: 5);
        var reversed = await grain.Reversed(data);
        Array.Reverse(reversed);
        Assert.Equal(data, reversed);
    }

    [Fact]
    public async Task LargeAndSmallCalls_Concurrent_AllAnsweredCorrectly()
    {
        var grain = await OnSilo1Async();
        var small = Cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(Signals.Unique("small"));
        var payloads = Enumerable.Range(0, 6).Select(i => PayloadChecksum.RandomBytes(100_000 + (i * 150_000), seed: 10 + i)).ToArray();
        var large = payloads.Select(grain.Checksum).ToArray();
        var smallCalls = Enumerable.Range(0, 50).Select(i => small.PayloadLength(new byte[i])).ToArray();
        Assert.Equal(payloads.Select(PayloadChecksum.Of), await Task.WhenAll(large));
        Assert.Equal(Enumerable.Range(0, 50), await Task.WhenAll(smallCalls));
    }

    [Fact]
    public async Task ClientCall_LargeImmutableBytes_ArriveIntact()
    {
        var client = await Cluster.ConnectClientAsync(Cluster.Silos[0]);
        var data = PayloadChecksum.RandomBytes((2 << 20) + 3, seed: 6);
        var grain = client.GetGrain<IPayloadGrain>(Signals.Unique("client-payload"));
        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(data));
        Assert.Equal(PayloadChecksum.Of(data), await grain.Checksum(data));
    }

    private async Task<IPayloadGrain> OnSilo1Async()
    {
        var key = Signals.Unique("payload");
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await Cluster.Silos[1].GrainFactory.GetGrain<IPayloadGrain>(key).WhereAmI());
        return Cluster.Silos[0].GrainFactory.GetGrain<IPayloadGrain>(key);
    }
}
