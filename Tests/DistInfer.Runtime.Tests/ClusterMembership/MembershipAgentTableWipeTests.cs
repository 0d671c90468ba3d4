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

    [Fact]
    public async Task TableWiped_SiloDiesBeforeRewritingRow_VotedDeadWithinTheGrace()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        await cluster.KillAsync(b);
        await table.DeleteMembershipTableEntriesAsync("dev");

        // Before, it only dropped out of the views after the grace, with no verdict: the silos' directories kept
        // it (a silo missing from the view with a newer generation may be one joining), so calls went on to it and
        // the cluster never recovered from a silo killed while Redis was down. The vote writes its row back, Dead.
        var took = await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.Dead, cluster.Options.MissingRowGracePeriod);
        Assert.True(took < cluster.Options.MissingRowGracePeriod, $"declared dead after {took}");
        Assert.Equal(SiloStatus.Dead, (await cluster.RowAsync(Silo(2))).Status);
        Assert.Equal([1], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
        await cluster.AdvanceAsync(cluster.Options.MissingRowGracePeriod);
        Assert.Equal(SiloStatus.Dead, a.CurrentSnapshot.GetSiloStatus(Silo(2)));
    }

    [Fact]
    public async Task TableWiped_SiloDiesAmongThree_DeclaredDeadOnlyByTwoVotesAsBeforeTheWipe()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        await cluster.KillAsync(c);
        await table.DeleteMembershipTableEntriesAsync("dev");
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead, cluster.Options.MissingRowGracePeriod);

        // The wiped table held only the rows written back so far; counted from it, one vote would have been enough.
        Assert.Equal([1, 2], (await cluster.RowAsync(Silo(3))).SuspectTimes.Select(v => v.Voter.Port).Order());
    }

    [Fact]
    public async Task TableWiped_OneVoterRenewsItsVoteBeforeOthersWriteTheirRowsBack_TargetNotDeclaredDead()
    {
        // Silos write their rows back only at their next table refresh, later than a voter's second missed probe.
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table, new MembershipOptions { TableRefreshTimeout = TimeSpan.FromSeconds(20) });
        var a = await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));
        await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        // Only silo 1 loses silo 3, which is alive: one voter among three is a minority.
        cluster.Network.Cut(Silo(1), Silo(3));
        await table.DeleteMembershipTableEntriesAsync("dev");
        await cluster.AdvanceAsync(cluster.Options.ProbeTimeout * 6);

        // The first vote wrote silo 3's row back; counted from the table after that, silo 1's renewed vote was enough.
        Assert.Equal(SiloStatus.Active, (await cluster.RowAsync(Silo(3))).Status);
        Assert.Equal(SiloStatus.Active, a.CurrentSnapshot.GetSiloStatus(Silo(3)));
    }

    [Fact]
    public async Task StopAsync_TableWipedBeforeTheSiloWroteItsRowBack_RowWrittenBackDeadNotVotedDead()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        // Silo 2 leaves gracefully right after the wipe, then its process exits.
        await table.DeleteMembershipTableEntriesAsync("dev");
        await b.StopAsync();
        cluster.Network.Set(Silo(2), FakeNetwork.SiloReachability.Refusing);
        await cluster.AdvanceAsync(cluster.Options.ProbeTimeout * 6);

        // Before, its leave found no row to mark Dead, and the others, still seeing it, wrote its row back Active
        // with their votes as a silo that stopped answering: a crash verdict (and repair) for a graceful leave.
        var row = await cluster.RowAsync(Silo(2));
        Assert.Equal(SiloStatus.Dead, row.Status);
        Assert.Empty(row.SuspectTimes);
        Assert.Equal(SiloStatus.Dead, a.CurrentSnapshot.GetSiloStatus(Silo(2)));
    }

    [Fact]
    public async Task StopAsync_TableWipedRightAfterTheLeave_PeersToldOfItShowItDeadAndNeverWriteItBack()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        // Silo 2 leaves (its row Dead) before the others' next table read; Redis restarts empty; the leaving silo's
        // gossip reaches them (what Silo does through the "sys.membership" system target); its process exits.
        await b.StopAsync();
        await table.DeleteMembershipTableEntriesAsync("dev");
        await a.PeerLeftAsync(Silo(2));
        await c.PeerLeftAsync(Silo(2));
        cluster.Network.Set(Silo(2), FakeNetwork.SiloReachability.Refusing);
        Assert.Equal(SiloStatus.Dead, a.CurrentSnapshot.GetSiloStatus(Silo(2)));
        await cluster.AdvanceAsync(cluster.Options.ProbeTimeout * 6);

        // Without the telling, their views still held it Active (read before its leave): once it stopped answering,
        // their votes wrote its row back, Active, then Dead by votes: a crash verdict (and repair) for a graceful leave.
        Assert.Null((await table.ReadAllAsync()).Find(Silo(2)));
        Assert.NotEqual(SiloStatus.Active, a.CurrentSnapshot.GetSiloStatus(Silo(2)));
        Assert.NotEqual(SiloStatus.Active, c.CurrentSnapshot.GetSiloStatus(Silo(2)));
        Assert.Equal([1, 3], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
    }

    [Fact]
    public async Task TableWiped_SiloHungAcrossTheWipe_VotedDeadBeforeTheGraceEnds()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        // Hung (kill -STOP): its probes time out and it writes nothing; then Redis restarts empty. Before, calls to
        // its grains waited until it woke, and it then wrote itself back as Active.
        await cluster.KillAsync(c, FakeNetwork.SiloReachability.Hanging);
        await table.DeleteMembershipTableEntriesAsync("dev");

        var took = await cluster.AdvanceUntilAsync(
            () => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead && b.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead,
            cluster.Options.MissingRowGracePeriod);
        Assert.True(took < cluster.Options.MissingRowGracePeriod, $"declared dead after {took}");
        Assert.Equal([1, 2], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
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

    [Fact]
    public async Task TableProblem_RedisDownThenBack_NamesRedisUntilAReadSucceeds()
    {
        var table = new UnreachableMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        Assert.Null(a.TableProblem);

        table.Down = true;
        await cluster.AdvanceUntilAsync(() => a.TableProblem is not null, cluster.Options.TableRefreshTimeout * 2);
        Assert.Equal(UnreachableMembershipTable.Problem, a.TableProblem);

        table.Down = false;
        await cluster.AdvanceUntilAsync(() => a.TableProblem is null, cluster.Options.TableRefreshTimeout * 2);
    }
}
