using DistInfer.Runtime.Membership;
using static DistInfer.Runtime.Tests.ClusterMembership.MembershipTestData;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class MembershipSnapshotPublisherTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public void Publish_RowVanishedWithoutVerdict_MemberKeptDuringGraceThenDropped()
    {
        var publisher = new MembershipSnapshotPublisher();
        publisher.Publish(Table(1, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch, Grace);

        // The table was wiped and only silo 1 wrote its row back.
        var wiped = Table(1, (1, SiloStatus.Active));
        Assert.Equal([1, 2], Ports(publisher.Publish(wiped, Epoch.AddSeconds(1), Grace)));
        Assert.Equal([1, 2], Ports(publisher.Publish(wiped, Epoch.AddSeconds(29), Grace)));
        Assert.Equal([1], Ports(publisher.Publish(wiped, Epoch.AddSeconds(31), Grace)));
    }

    [Fact]
    public void Publish_RowComesBackWithinGrace_MemberNeverLeftTheView()
    {
        var publisher = new MembershipSnapshotPublisher();
        var changes = new List<SiloStatusChange>();
        publisher.Publish(Table(1, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch, Grace);
        publisher.Changed += u => changes.AddRange(u.Changes);

        publisher.Publish(Table(1, (1, SiloStatus.Active)), Epoch.AddSeconds(1), Grace);
        publisher.Publish(Table(2, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch.AddSeconds(2), Grace);

        Assert.Empty(changes);
        Assert.Equal([1, 2], Ports(publisher.Current));
    }

    [Fact]
    public void Publish_DeadRowCleanedUp_MemberDroppedAtOnce()
    {
        var publisher = new MembershipSnapshotPublisher();
        publisher.Publish(Table(1, (1, SiloStatus.Active), (2, SiloStatus.Dead)), Epoch, Grace);

        var snapshot = publisher.Publish(Table(2, (1, SiloStatus.Active)), Epoch.AddSeconds(1), Grace);

        Assert.Equal(SiloStatus.None, snapshot.GetSiloStatus(Silo(2)));
        Assert.Single(snapshot.Members);
    }

    [Fact]
    public void Publish_ZeroGrace_VanishedMemberDroppedAtOnce()
    {
        var publisher = new MembershipSnapshotPublisher();
        publisher.Publish(Table(1, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch, Grace);

        var snapshot = publisher.Publish(Table(1, (1, SiloStatus.Active)), Epoch, TimeSpan.Zero);

        Assert.Equal([1], Ports(snapshot));
    }

    [Fact]
    public void Publish_WipedTableReachesTheOldVersionWithAnotherStatus_NewStatusPublished()
    {
        // Seen Joining at version 3, then the table was wiped and counted back up to 3 with the silo Active.
        var publisher = new MembershipSnapshotPublisher();
        var changes = new List<SiloStatusChange>();
        publisher.Publish(Table(3, (1, SiloStatus.Active), (2, SiloStatus.Joining)), Epoch, Grace);
        publisher.Changed += u => changes.AddRange(u.Changes);

        var snapshot = publisher.Publish(Table(3, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch.AddSeconds(1), Grace);

        Assert.Equal(SiloStatus.Active, snapshot.GetSiloStatus(Silo(2)));
        Assert.Equal([1, 2], Ports(snapshot));
        Assert.Contains(changes, c => c.Silo == Silo(2) && c.NewStatus == SiloStatus.Active);
    }

    [Fact]
    public void Publish_SameVersionAndSameRows_NoNewSnapshot()
    {
        var publisher = new MembershipSnapshotPublisher();
        var first = publisher.Publish(Table(3, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch, Grace);

        var second = publisher.Publish(Table(3, (1, SiloStatus.Active), (2, SiloStatus.Active)), Epoch.AddSeconds(1), Grace);

        Assert.Same(first, second);
    }

    private static MembershipTableData Table(int version, params (int Port, SiloStatus Status)[] rows) =>
        new([.. rows.Select(r => new MembershipRow(Entry(Silo(r.Port), r.Status), "e"))], new TableVersion(version, "v" + version));

    private static int[] Ports(MembershipSnapshot snapshot) => [.. snapshot.ActiveMembers().Select(m => m.SiloAddress.Port)];
}
