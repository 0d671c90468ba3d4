using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>When the death listener repairs: at once, on the oldest silo only, for deaths (not graceful leaves), each death once.</summary>
public sealed class SiloDeathRepairerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);
    private readonly ReplayingMembership _membership = new();
    private readonly DeploymentRecords _records = new();
    private readonly List<string> _calls = [];
    private readonly SiloDeathRepairer _repairer;
    private TaskCompletionSource<SiloDeathRepairOutcome> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SiloDeathRepairerTests()
    {
        _repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions(), NullLogger<SiloDeathRepairer>.Instance);
        _repairer.Completed += o => _next.TrySetResult(o);
    }

    public void Dispose() => _repairer.Dispose();

    private static SiloAddress Address(int n) => new("127.0.0.1", 20000 + n, n);

    private async Task<SiloAddress> PublishAsync(int n, SiloStatus status = SiloStatus.Active)
    {
        var address = Address(n);
        await _membership.PublishAsync(new SiloInfo
        {
            Address = address,
            Name = "silo" + n,
            Status = status,
            GrainInterfaces = new HashSet<string>(StringComparer.Ordinal) { typeof(IExpertGrain).FullName! },
        });
        return address;
    }

    private void StartAs(SiloAddress self, SiloDeathRepairer? repairer = null) =>
        (repairer ?? _repairer).Start(self, model =>
        {
            lock (_calls)
            {
                _calls.Add(model);
            }

            return Task.FromResult(new RebalanceResult { Changed = true, Added = 1, Removed = 1 });
        });

    private void Deploy(string name, bool moe = true) =>
        _records.Save(new DeploymentInfo { Name = name, ModelPath = "/m/" + name, MoeLayers = moe ? [1, 3] : [] });

    private async Task<SiloDeathRepairOutcome> NextOutcomeAsync()
    {
        var outcome = await _next.Task.WaitAsync(Bound);
        _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        return outcome;
    }

    [Fact]
    public async Task Death_OfAnExpertSilo_OldestSurvivorRepairsEachMoeModelAtOnce()
    {
        StartAs(await PublishAsync(1));
        var victim = await PublishAsync(2);
        Deploy("moe");
        Deploy("dense", moe: false);

        await PublishAsync(2, SiloStatus.Dead);
        var outcome = await NextOutcomeAsync();

        Assert.Equal([victim.ToString()], outcome.DeadSilos);
        Assert.Equal(["moe"], _calls);
        Assert.True(outcome.Results["moe"]!.Changed);
        Assert.Empty(outcome.Errors);
    }

    [Fact]
    public async Task Death_SeenByANewerSilo_OnlyTheOldestActs()
    {
        await PublishAsync(1);
        StartAs(await PublishAsync(2));
        await PublishAsync(3);
        Deploy("moe");

        await PublishAsync(3, SiloStatus.Dead);

        // The decision is taken in the view's notification: a silo that does not act starts nothing.
        Assert.False(_next.Task.IsCompleted);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Death_OfTheOldest_NextOldestRepairs()
    {
        var oldest = await PublishAsync(1);
        StartAs(await PublishAsync(2));
        Deploy("moe");

        await PublishAsync(1, SiloStatus.Dead);

        Assert.Equal([oldest.ToString()], (await NextOutcomeAsync()).DeadSilos);
        Assert.Equal(["moe"], _calls);
    }

    [Fact]
    public async Task GracefulLeave_ShuttingDownThenDead_NoRepairButALaterDeathIsRepaired()
    {
        StartAs(await PublishAsync(1));
        await PublishAsync(2);
        var killed = await PublishAsync(3);
        Deploy("moe");

        // A drain moves the silo's grains itself; repairing as it ends would load replicas onto silos that may be
        // stopping too (a whole cluster shut down one silo after another).
        await PublishAsync(2, SiloStatus.ShuttingDown);
        await PublishAsync(2, SiloStatus.Dead);
        Assert.False(_next.Task.IsCompleted);
        Assert.Empty(_calls);
        await PublishAsync(3, SiloStatus.Dead);

        Assert.Equal([killed.ToString()], (await NextOutcomeAsync()).DeadSilos);
    }

    [Fact]
    public async Task Death_OlderViewDeliveredLate_TheDeadSiloIsNotRepairedAgain()
    {
        StartAs(await PublishAsync(1));
        var first = await PublishAsync(2);
        var beforeDeath = _membership.Current;
        await PublishAsync(3);
        Deploy("moe");
        await PublishAsync(2, SiloStatus.Dead);
        await NextOutcomeAsync();

        // The view from before the death arrives after it; then another silo dies.
        _membership.Replay(beforeDeath);
        var second = await PublishAsync(3, SiloStatus.Dead);

        Assert.Equal([second.ToString()], (await NextOutcomeAsync()).DeadSilos);
        Assert.Equal(2, _calls.Count);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Death_RepairOnSiloDeathOff_NoRepair()
    {
        using var off = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairOnSiloDeath = false }, NullLogger<SiloDeathRepairer>.Instance);
        off.Completed += o => _next.TrySetResult(o);
        StartAs(await PublishAsync(1), off);
        await PublishAsync(2);
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);

        Assert.False(_next.Task.IsCompleted);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Death_RepairFailsOnceThenSucceeds_TriedAgainAndRepaired()
    {
        // As seen with three silo processes: the first try met a directory still pointing at the dead silo.
        using var repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairRetryDelay = TimeSpan.Zero }, NullLogger<SiloDeathRepairer>.Instance);
        repairer.Completed += o => _next.TrySetResult(o);
        var tries = 0;
        repairer.Start(await PublishAsync(1), _ => ++tries == 1
            ? throw new SiloUnavailableException("Cannot connect to 127.0.0.1:20002@2: ConnectionRefused")
            : Task.FromResult(new RebalanceResult { Changed = true, Added = 1, Removed = 1 }));
        await PublishAsync(2);
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);
        var outcome = await NextOutcomeAsync();

        Assert.Equal(2, tries);
        Assert.Empty(outcome.Errors);
        Assert.True(outcome.Results["moe"]!.Changed);
    }

    [Fact]
    public async Task Death_RepairKeepsFailing_GivesUpAfterTheConfiguredTriesWithTheError()
    {
        using var repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairRetryDelay = TimeSpan.Zero, RepairAttempts = 3 }, NullLogger<SiloDeathRepairer>.Instance);
        repairer.Completed += o => _next.TrySetResult(o);
        var tries = 0;
        repairer.Start(await PublishAsync(1), _ =>
        {
            tries++;
            throw new SiloUnavailableException("balancer unreachable");
        });
        await PublishAsync(2);
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);
        var outcome = await NextOutcomeAsync();

        Assert.Equal(3, tries);
        Assert.Equal("balancer unreachable", outcome.Errors["moe"].Message);
        Assert.Null(outcome.Results["moe"]);
    }

    [Fact]
    public async Task Death_SiloStopsWhileARetryWaits_NoTryAfterTheStop()
    {
        var clock = new TimerWatchingTimeProvider();
        using var repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairRetryDelay = TimeSpan.FromHours(1) }, NullLogger<SiloDeathRepairer>.Instance, clock);
        repairer.Completed += o => _next.TrySetResult(o);
        var tries = 0;
        repairer.Start(await PublishAsync(1), _ =>
        {
            Interlocked.Increment(ref tries);
            throw new SiloUnavailableException("balancer unreachable");
        });
        await PublishAsync(2);
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);
        await clock.TimerCreated.WaitAsync(Bound);
        repairer.Dispose();

        // The wait ignored the stop: the stopping silo tried again after it (replicas loaded onto silos that may be
        // stopping too, which the repairer otherwise avoids), and its stop was not the end of the repair.
        var outcome = await NextOutcomeAsync();
        Assert.Equal(1, Volatile.Read(ref tries));
        Assert.Equal("balancer unreachable", outcome.Errors["moe"].Message);
    }

    [Fact]
    public async Task Death_RepairFailsPermanently_TriedOnceAndTheNextModelNotDelayed()
    {
        // The clock never moves: a retry's wait for the broken model would hold up the other model's repair.
        var clock = new FakeTimeProvider();
        using var repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairRetryDelay = TimeSpan.FromSeconds(2) }, NullLogger<SiloDeathRepairer>.Instance, clock);
        repairer.Completed += o => _next.TrySetResult(o);
        var tries = new Dictionary<string, int>(StringComparer.Ordinal);
        repairer.Start(await PublishAsync(1), model =>
        {
            lock (tries)
            {
                tries[model] = tries.GetValueOrDefault(model) + 1;
            }

            return model == "broken"
                ? throw new DistInferException("checkpoint path /m/broken does not exist")
                : Task.FromResult(new RebalanceResult { Changed = true, Added = 1, Removed = 1 });
        });
        await PublishAsync(2);
        Deploy("broken");
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);
        var outcome = await NextOutcomeAsync();

        Assert.Equal(1, tries["broken"]);
        Assert.Equal("checkpoint path /m/broken does not exist", outcome.Errors["broken"].Message);
        Assert.True(outcome.Results["moe"]!.Changed);
    }

    [Fact]
    public async Task Death_RepairInterruptedOnAnotherSilo_TriedAgain()
    {
        // The balancer's interruption as a caller on another silo gets it: the type and message, no inner cause.
        using var repairer = new SiloDeathRepairer(_membership, _records, new FabricOptions { RepairRetryDelay = TimeSpan.Zero }, NullLogger<SiloDeathRepairer>.Instance);
        repairer.Completed += o => _next.TrySetResult(o);
        var tries = 0;
        repairer.Start(await PublishAsync(1), _ => Interlocked.Increment(ref tries) == 1
            ? throw new BalancerInterruptedException("repair after a silo death of model moe was interrupted: silo 2 could not be reached")
            : Task.FromResult(new RebalanceResult { Changed = true, Added = 1, Removed = 1 }));
        await PublishAsync(2);
        Deploy("moe");

        await PublishAsync(2, SiloStatus.Dead);
        var outcome = await NextOutcomeAsync();

        Assert.Equal(2, Volatile.Read(ref tries));
        Assert.Empty(outcome.Errors);
    }
}
