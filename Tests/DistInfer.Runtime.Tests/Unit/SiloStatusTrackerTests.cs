using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class SiloStatusTrackerTests
{
    private static readonly SiloAddress A = new("127.0.0.1", 1, 1);
    private static readonly SiloAddress B = new("127.0.0.1", 2, 1);

    [Fact]
    public void Update_OnlyStatisticsRefreshed_NotAChange()
    {
        var tracker = new SiloStatusTracker();
        Assert.True(tracker.Update(Snapshot(1, (A, SiloStatus.Active, 5))));
        Assert.False(tracker.Update(Snapshot(2, (A, SiloStatus.Active, 6))));
        Assert.False(tracker.Update(Snapshot(3, (A, SiloStatus.Active, 7))));
    }

    [Fact]
    public void Update_SiloJoinsChangesStatusOrLeaves_EachAChangeOnce()
    {
        var tracker = new SiloStatusTracker();
        tracker.Update(Snapshot(1, (A, SiloStatus.Active, 0)));
        Assert.True(tracker.Update(Snapshot(2, (A, SiloStatus.Active, 0), (B, SiloStatus.Joining, 0))));
        Assert.True(tracker.Update(Snapshot(3, (A, SiloStatus.Active, 0), (B, SiloStatus.Active, 0))));
        Assert.True(tracker.Update(Snapshot(4, (A, SiloStatus.Active, 0), (B, SiloStatus.Dead, 0))));
        Assert.False(tracker.Update(Snapshot(5, (A, SiloStatus.Active, 0))));
        Assert.False(tracker.Update(Snapshot(6, (A, SiloStatus.Active, 3))));
        Assert.True(tracker.Update(Snapshot(7, (A, SiloStatus.Active, 3), (B, SiloStatus.Active, 0))));
        Assert.True(tracker.Update(Snapshot(8, (A, SiloStatus.Active, 3))));
    }

    private static ClusterMembershipSnapshot Snapshot(long version, params (SiloAddress Address, SiloStatus Status, int Activations)[] silos) =>
        new(version, [.. silos.Select(s => new SiloInfo { Address = s.Address, Status = s.Status, Statistics = new SiloStatistics { ActivationCount = s.Activations } })]);
}
