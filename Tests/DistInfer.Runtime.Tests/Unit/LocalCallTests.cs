using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>Grain calls within one silo: activation, turns, reentrancy, local copy semantics.</summary>
public sealed class LocalCallTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    private IGrainFactory Factory => _cluster.Silos[0].GrainFactory;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GetGrain_SameKey_KeepsStateInOneActivation()
    {
        var grain = Factory.GetGrain<ITestGrain>("counter");
        await grain.Add(2);
        var total = await Factory.GetGrain<ITestGrain>("counter").Add(3);
        Assert.Equal(5, total);
    }

    [Fact]
    public async Task ValueTaskMethod_ReturnsResult()
    {
        Assert.Equal(7, await Factory.GetGrain<ITestGrain>("vt").ValueAdd(3, 4));
    }

    [Fact]
    public async Task NonReentrantGrain_ConcurrentCalls_NeverInterleave()
    {
        var grain = Factory.GetGrain<ITestGrain>("turns");
        var calls = Enumerable.Range(0, 50).Select(_ => grain.CheckedWork(5)).ToArray();
        var seen = await Task.WhenAll(calls);
        Assert.All(seen, inside => Assert.Equal(1, inside));
        Assert.Equal(1, await grain.MaxConcurrency());
    }

    [Fact]
    public async Task NonReentrantGrain_RequestWhileHolding_WaitsForTurn()
    {
        var grain = Factory.GetGrain<ITestGrain>("hold");
        var gate = Signals.Unique("gate");
        var hold = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        var inside = grain.Inside();
        await Eventually.TrueAsync(() => WaitingCount(grain.GetGrainId()) == 1, "second request queued");
        Assert.False(inside.IsCompleted);
        Signals.Set(gate);
        await hold;
        Assert.Equal(0, await inside);
    }

    [Fact]
    public async Task AlwaysInterleaveMethod_WhileHolding_RunsAtOnce()
    {
        var grain = Factory.GetGrain<ITestGrain>("interleave");
        var gate = Signals.Unique("gate");
        var hold = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        Assert.Equal(1, await grain.PeekInside());
        Signals.Set(gate);
        await hold;
    }

    [Fact]
    public async Task ReentrantGrain_RequestWhileHolding_Interleaves()
    {
        var grain = Factory.GetGrain<IReentrantGrain>(7);
        var gate = Signals.Unique("gate");
        var hold = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        Assert.Equal(1, await grain.Inside());
        Signals.Set(gate);
        await hold;
    }

    [Fact]
    public async Task OneWayCall_ReturnsBeforeGrainRuns_AndIsDelivered()
    {
        var grain = Factory.GetGrain<ITestGrain>("oneway");
        var gate = Signals.Unique("gate");
        var hold = grain.Hold(gate);
        await Signals.WaitAsync(gate + "-entered");
        var signal = Signals.Unique("notify");
        var sent = grain.Notify(signal, 9);
        Assert.True(sent.IsCompleted);
        Signals.Set(gate);
        Assert.Equal(9, await Signals.WaitAsync(signal));
        await hold;
    }

    [Fact]
    public async Task StatelessWorker_ConcurrentCalls_FanOutToSeveralActivations()
    {
        var worker = Factory.GetGrain<IWorkerGrain>(1);
        var name = Signals.Unique("meet");
        var instances = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => worker.Rendezvous(name, 4)));
        Assert.Equal(4, instances.Distinct().Count());
    }

    [Fact]
    public async Task LocalCall_MutableArgument_IsDeepCopied()
    {
        var values = new List<int> { 1, 2, 3 };
        Assert.Equal(6, await Factory.GetGrain<ITestGrain>("copy").MutateAndSum(values));
        Assert.Equal(3, values.Count);
    }

    [Fact]
    public async Task LocalCall_ImmutableArgument_IsPassedByReference()
    {
        var grain = Factory.GetGrain<ITestGrain>("immutable");
        var payload = new byte[] { 1, 2, 3 };
        await grain.ImmutableIdentity(payload);
        Assert.Equal(1, await grain.ImmutableIdentity(payload));
    }

    [Fact]
    public async Task LocalCall_MutableByteArrayResult_IsCopied()
    {
        var payload = new byte[] { 4, 5 };
        var echoed = await Factory.GetGrain<ITestGrain>("echo").Echo(payload);
        Assert.Equal(payload, echoed);
        Assert.NotSame(payload, echoed);
    }

    [Fact]
    public async Task GrainException_ReachesLocalCaller_WithTypeAndMessage()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Factory.GetGrain<ITestGrain>("err").Throw("argument", "bad input"));
        Assert.Equal("bad input", error.Message);
    }

    [Fact]
    public async Task UnknownGrainType_Call_FailsWithClearError()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Factory.GetGrain<IUnimplementedGrain>("x").Anything());
        Assert.Contains(typeof(IUnimplementedGrain).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeactivateOnIdle_NextCall_GetsNewActivation()
    {
        var grain = Factory.GetGrain<ITestGrain>("deact");
        var first = await grain.InstanceId();
        await grain.Deactivate();
        Assert.Equal(DeactivationReasonCode.ApplicationRequested, await Signals.WaitAsync("deactivated-deact"));
        Assert.NotEqual(first, await grain.InstanceId());
    }

    [Fact]
    public async Task OnActivateAsyncThrows_Callers_GetTheActivationError()
    {
        var grain = Factory.GetGrain<IFailingActivationGrain>("refuse");
        var first = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Call());
        Assert.Equal("activation refused for refuse", first.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Call());
    }

    [Fact]
    public async Task CompoundAndGuidKeys_RoundTripThroughGrainId()
    {
        var id = Guid.NewGuid();
        var grain = Factory.GetGrain<ITimerGrain>(id);
        Assert.Equal(id, grain.GetPrimaryKey());
        await grain.Ticks();
        Assert.Equal(GrainKeys.FromLong(5, "ext"), new GrainId("t", GrainKeys.FromLong(5, "ext")).Key);
        Assert.Equal(5, GrainKeys.ToLong(GrainKeys.FromLong(5, "ext"), out var extension));
        Assert.Equal("ext", extension);
    }

    private int WaitingCount(GrainId id) =>
        _cluster.Silos[0].Catalog.TryGetLocal(id, out var activation) ? activation.WaitingCount : -1;
}
