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
    public async Task TableWiped_SiloDiesBeforeRewritingRow_LeavesViewsAfterGrace()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        await cluster.KillAsync(b);
        await table.DeleteMembershipTableEntriesAsync("dev");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(SiloStatus.Active, a.CurrentSnapshot.GetSiloStatus(Silo(2)));

        var took = await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.None, cluster.Options.MissingRowGracePeriod);
        Assert.True(took <= cluster.Options.MissingRowGracePeriod, $"dropped after {took}");
        Assert.Equal([1], a.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
    }
}
