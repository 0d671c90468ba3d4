using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>When the join listener rebalances: settle delay, cooldown, one acting silo, only deployed models (manual clock).</summary>
public sealed class SiloJoinRebalancerTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly ReplayingMembership _membership = new();
    private readonly DeploymentRecords _records = new();
    private readonly List<(string Model, RebalanceRequest Request)> _calls = [];
    private readonly List<JoinRebalanceOutcome> _outcomes = [];
    private readonly SiloJoinRebalancer _rebalancer;

    public SiloJoinRebalancerTests()
    {
        var options = new FabricOptions { JoinSettleDelay = Settle, JoinRebalanceCooldown = Cooldown };
        _rebalancer = new SiloJoinRebalancer(_membership, _records, options, _time, NullLogger<SiloJoinRebalancer>.Instance);
        _rebalancer.Completed += _outcomes.Add;
    }

    public void Dispose() => _rebalancer.Dispose();

    private static SiloAddress Address(int n) => new("127.0.0.1", 20000 + n, n);

    private async Task<SiloAddress> JoinAsync(int n)
    {
        var address = Address(n);
        await _membership.PublishAsync(new SiloInfo
        {
            Address = address,
            Name = "silo" + n,
            GrainInterfaces = new HashSet<string>(StringComparer.Ordinal) { typeof(IExpertGrain).FullName! },
        });
        return address;
    }

    private void StartAs(SiloAddress self) =>
        _rebalancer.Start(self, (model, request) =>
        {
            _calls.Add((model, request));
            return Task.FromResult(new RebalanceResult { Changed = true, Added = 1 });
        });

    private void Deploy(string name, bool moe = true) =>
        _records.Save(new DeploymentInfo { Name = name, ModelPath = "/m/" + name, MoeLayers = moe ? [1, 3] : [] });

    [Fact]
    public async Task Join_AfterDeployment_RebalancesItsMoeModelsOnceAfterTheSettleDelay()
    {
        StartAs(await JoinAsync(1));
        Deploy("moe");
        Deploy("dense", moe: false);

        var joined = await JoinAsync(2);
        _time.Advance(Settle - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var call = Assert.Single(_calls);
        Assert.Equal("moe", call.Model);
        Assert.True(call.Request.SpreadWhenIdle);
        var outcome = Assert.Single(_outcomes);
        Assert.Equal([joined.ToString()], outcome.JoinedSilos);
        Assert.True(outcome.Results["moe"]!.Changed);
    }

    [Fact]
    public async Task Join_OlderViewDeliveredLate_NotCountedAsASecondJoin()
    {
        var first = await JoinAsync(1);
        StartAs(first);
        Deploy("moe");
        var beforeJoin = _membership.Current;
        var joined = await JoinAsync(2);
        _time.Advance(Settle);
        Assert.Single(_calls);

        // The view from before the join arrives after it, then a newer one with the same silos.
        _membership.Replay(beforeJoin);
        await _membership.PublishAsync(new SiloInfo
        {
            Address = joined,
            Name = "silo2",
            GrainInterfaces = new HashSet<string>(StringComparer.Ordinal) { typeof(IExpertGrain).FullName! },
        });
        _time.Advance(Cooldown + Settle);

        Assert.Single(_calls);
    }

    [Fact]
    public async Task Joins_WithinTheSettleDelay_FoldedIntoOneRebalance()
    {
        StartAs(await JoinAsync(1));
        Deploy("moe");

        var second = await JoinAsync(2);
        _time.Advance(Settle / 2);
        var third = await JoinAsync(3);
        _time.Advance(Settle / 2);
        Assert.Empty(_calls);
        _time.Advance(Settle / 2);

        Assert.Single(_calls);
        Assert.Equal([second.ToString(), third.ToString()], Assert.Single(_outcomes).JoinedSilos);
    }

    [Fact]
    public async Task SecondJoin_WithinTheCooldown_WaitsForItsEnd()
    {
        StartAs(await JoinAsync(1));
        Deploy("moe");
        await JoinAsync(2);
        _time.Advance(Settle);
        Assert.Single(_calls);

        // The cooldown counts from the first rebalance, which ran when this silo joined.
        await JoinAsync(3);
        _time.Advance(Cooldown - TimeSpan.FromMilliseconds(1));
        Assert.Single(_calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, _calls.Count);
    }

    [Fact]
    public async Task Join_SeenByANewerSilo_OnlyTheOldestActs()
    {
        await JoinAsync(1);
        StartAs(await JoinAsync(2));
        Deploy("moe");

        await JoinAsync(3);
        _time.Advance(Cooldown);

        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Join_NothingDeployed_NoRebalance()
    {
        StartAs(await JoinAsync(1));

        await JoinAsync(2);
        Deploy("moe");
        _time.Advance(Cooldown);

        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Join_RebalanceOnJoinOff_NoRebalance()
    {
        using var off = new SiloJoinRebalancer(_membership, _records, new FabricOptions { RebalanceOnJoin = false }, _time, NullLogger<SiloJoinRebalancer>.Instance);
        off.Start(await JoinAsync(1), (model, request) =>
        {
            _calls.Add((model, request));
            return Task.FromResult(new RebalanceResult());
        });
        Deploy("moe");

        await JoinAsync(2);
        _time.Advance(Cooldown);

        Assert.Empty(_calls);
    }
}
