using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>Timers and idle collection driven by a fake clock.</summary>
public sealed class TimeTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private TestCluster _cluster = null!;

    private IGrainFactory Factory => _cluster.Silos[0].GrainFactory;

    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(1, services: (_, s) => s.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GrainTimer_TimeAdvances_TicksRunAsTurns()
    {
        var id = Guid.NewGuid();
        var grain = Factory.GetGrain<ITimerGrain>(id);
        await grain.Start(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        await Signals.WaitAsync($"tick-{id}-1");

        // The timer re-arms when its tick's turn has finished, which may be just after the signal: advance a second
        // at a time until the second tick, so an advance made before re-arming is not lost and none overshoots.
        var second = Signals.Get($"tick-{id}-2").Task;
        await Eventually.TrueAsync(() =>
        {
            if (!second.IsCompleted)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            return second.IsCompleted;
        }, "second tick");
        Assert.Equal(2, await grain.Ticks());
    }

    [Fact]
    public async Task IdleCollection_DefaultAge_CollectsAfterFifteenMinutesOnly()
    {
        var key = Signals.Unique("idle");
        var grain = Factory.GetGrain<ITestGrain>(key);
        await grain.Add(1);
        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.True(_cluster.Silos[0].Catalog.TryGetLocal(grain.GetGrainId(), out _));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, await Signals.WaitAsync("deactivated-" + key));
        await Eventually.TrueAsync(() => !_cluster.Silos[0].Catalog.TryGetLocal(grain.GetGrainId(), out _), "activation removed");
        Assert.Equal(0, await grain.Add(0));
    }

    [Fact]
    public async Task IdleCollection_CollectionAgeLimitAttribute_OverridesDefault()
    {
        var id = Guid.NewGuid();
        var grain = Factory.GetGrain<ITimerGrain>(id);
        await grain.Ticks();
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, await Signals.WaitAsync("deactivated-" + id));
    }

    [Fact]
    public async Task IdleCollection_ActiveGrain_IsKept()
    {
        var key = Signals.Unique("busy");
        var grain = Factory.GetGrain<ITestGrain>(key);
        for (var i = 0; i < 5; i++)
        {
            await grain.Add(1);
            _time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal(6, await grain.Add(1));
    }

    [Fact]
    public async Task IdleCollection_WorkOutsideCallsSinceLastPass_KeepsTheActivationUntilAPassFindsNone()
    {
        var key = Signals.Unique("outside");
        var grain = Factory.GetGrain<IOutsideWorkGrain>(key);
        Assert.Equal(1, await grain.Calls());
        _time.Advance(TimeSpan.FromMinutes(14));
        OutsideWorkGrain.Work(key);
        _time.Advance(TimeSpan.FromMinutes(2));

        // The pass past the age limit asked, found work, and kept the same activation (its call count goes on).
        await Signals.WaitAsync("asked-" + key);
        Assert.Equal(2, await grain.Calls());

        // No work since: fifteen minutes after that call the activation goes.
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, await Signals.WaitAsync("deactivated-" + key));
    }
}
