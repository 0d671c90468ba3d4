using DistInfer.Runtime.Membership;
using static DistInfer.Runtime.Tests.ClusterMembership.AgentTestCluster;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>The table loses every row (Redis restarted without persistence) under a running cluster.</summary>
public sealed class MembershipAgentTableWipeTests
{
    [Fact]
    public async Task TableWiped_BothSilosAlive_ViewsNeverLoseAMemberAndRowsComeBack()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        await table.DeleteMembershipTableEntriesAsync("dev");
        for (var i = 0; i < 12; i++)
        {
            await cluster.AdvanceAsync(TimeSpan.FromMilliseconds(250));
            Assert.Equal([1, 2], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
            Assert.Equal([1, 2], b.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
        }

        Assert.Equal(SiloStatus.Active, (await cluster.RowAsync(Silo(1))).Status);
        Assert.Equal(SiloStatus.Active, (await cluster.RowAsync(Silo(2))).Status);
    }

    /// <summary>Nobody can vote against a silo that answers probes; without its row it leaves the views after the grace.</summary>
    [Fact]
    public async Task TableWiped_SiloAnswersProbesButNeverRewritesItsRow_LeavesViewsAfterGrace()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        await cluster.KillAsync(b, FakeNetwork.SiloReachability.Up);
        await table.DeleteMembershipTableEntriesAsync("dev");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(SiloStatus.Active, a.CurrentSnapshot.GetSiloStatus(Silo(2)));

        var took = await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.None, cluster.Options.MissingRowGracePeriod);
        Assert.True(took <= cluster.Options.MissingRowGracePeriod, $"dropped after {took}");
        Assert.Equal([1], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
    }

    [Theory]
    [InlineData(FakeNetwork.SiloReachability.Hanging)]
    [InlineData(FakeNetwork.SiloReachability.Refusing)]
    public async Task TableWiped_SiloHungOrDeadAcrossTheWipe_VotedDeadIntoARowWrittenBackBeforeTheGraceEnds(FakeNetwork.SiloReachability reachability)
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        // Hung (kill -STOP: probes time out) or dead (refused), writing nothing; then Redis restarts empty.
        await cluster.KillAsync(c, reachability);
        await table.DeleteMembershipTableEntriesAsync("dev");

        // Voting used to skip a silo without a row, so it stayed in the views for the whole grace period and then
        // dropped out without a verdict: if it woke after that, it wrote itself back as Active.
        var took = await cluster.AdvanceUntilAsync(
            () => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead && b.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead,
            cluster.Options.MissingRowGracePeriod);
        Assert.True(took < cluster.Options.MissingRowGracePeriod, $"declared dead after {took}");
        Assert.Equal(SiloStatus.Dead, (await cluster.RowAsync(Silo(3))).Status);
        Assert.Equal([1, 2], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
    }
}
