using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>
/// Oversize messages fail their own call only. Silo 0 sends up to 4 MiB, silo 1 accepts at most 1 MiB, so both the
/// sender-side check and the receiver-side skip are exercised on live connections.
/// </summary>
public sealed class MessagingLimitTests : IAsyncLifetime
{
    private const int OneMiB = 1 << 20;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(2, (i, o) => o.Messaging.MaxMessageSize = i == 0 ? 4 * OneMiB : OneMiB);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task OversizeRequest_SenderLimit_FailsThatCallOnly()
    {
        var grain = await GrainOnAsync(0, callerSilo: 1);
        var big = grain.PayloadLength(new byte[2 * OneMiB]);
        var small = grain.PayloadLength(new byte[100]);
        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() => big);
        Assert.Contains("maximum message size", error.Message, StringComparison.Ordinal);
        Assert.Equal(100, await small);
        Assert.Equal(10, await grain.PayloadLength(new byte[10]));
    }

    [Fact]
    public async Task OversizeRequest_ReceiverLimit_SkippedAndAnsweredWhileOtherCallsComplete()
    {
        var grain = await GrainOnAsync(1, callerSilo: 0);
        var gate = Signals.Unique("slow");
        var inFlight = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        var big = grain.PayloadLength(new byte[2 * OneMiB]);
        var other = _cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(await KeyOnAsync(1)).PayloadLength(new byte[50]);
        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() => big);
        Assert.Contains("exceeds the maximum message size", error.Message, StringComparison.Ordinal);
        Assert.Equal(50, await other);
        Signals.Set(gate);
        await inFlight;
        Assert.Equal(7, await grain.PayloadLength(new byte[7]));
    }

    [Fact]
    public async Task OversizeImmutableRequest_SenderLimit_FailsThatCallOnly()
    {
        // Immutable arrays are attached to the frame, not copied: the size check must still count them.
        var grain = await GrainOnAsync(0, callerSilo: 1);
        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.ImmutableIdentity(new byte[2 * OneMiB]));
        Assert.Contains("maximum message size", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, await grain.PayloadLength(new byte[10]));
    }

    [Fact]
    public async Task OversizeImmutableRequest_ReceiverLimit_SkippedAndLaterLargeCallsWork()
    {
        var grain = await GrainOnAsync(1, callerSilo: 0);
        var big = grain.ImmutableIdentity(new byte[2 * OneMiB]);
        var fits = grain.PayloadLength(new byte[OneMiB / 2]);
        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() => big);
        Assert.Contains("exceeds the maximum message size", error.Message, StringComparison.Ordinal);
        Assert.Equal(OneMiB / 2, await fits);
        Assert.Equal(0, await grain.ImmutableIdentity(new byte[OneMiB / 2]));
    }

    [Fact]
    public async Task OversizeResponse_FailsThatCallOnly()
    {
        var grain = await GrainOnAsync(1, callerSilo: 0);
        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.Echo(new byte[OneMiB - 4096 + 8192]));
        Assert.Contains("maximum message size", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await grain.Echo(new byte[3])).Length);
    }

    private async Task<string> KeyOnAsync(int silo)
    {
        var key = Signals.Unique("limit");
        await _cluster.Silos[silo].GrainFactory.GetGrain<ITestGrain>(key).WhereAmI();
        return key;
    }

    private async Task<ITestGrain> GrainOnAsync(int silo, int callerSilo) =>
        _cluster.Silos[callerSilo].GrainFactory.GetGrain<ITestGrain>(await KeyOnAsync(silo));
}
