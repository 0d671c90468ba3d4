using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using static DistInfer.Runtime.Tests.ClusterMembership.AgentTestCluster;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>The membership protocol over the Redis table (fake clock, real redis-server).</summary>
public sealed class RedisMembershipAgentTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task KilledSilo_RedisTable_DeclaredDeadWithinTenSeconds()
    {
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var table = new RedisMembershipTable(connection.Multiplexer, "agents-" + Guid.NewGuid().ToString("N"));
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));

        await cluster.KillAsync(c);
        var took = await cluster.AdvanceUntilAsync(
            () => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead && b.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead,
            TimeSpan.FromSeconds(10));

        Assert.True(took <= TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await cluster.RowAsync(Silo(3))).SuspectTimes.Count);
    }

    [Fact]
    public async Task RedisRestartedWithoutData_AgentsCarryOnAndWriteTheirRowsAgain()
    {
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var table = new RedisMembershipTable(connection.Multiplexer, "restart-" + Guid.NewGuid().ToString("N"));
        await using var cluster = new AgentTestCluster(table);
        var agents = new[] { await cluster.StartSiloAsync(Silo(1)), await cluster.StartSiloAsync(Silo(2)), await cluster.StartSiloAsync(Silo(3)) };
        var declaredDead = 0;
        foreach (var agent in agents)
        {
            agent.DeclaredDead += _ => Interlocked.Increment(ref declaredDead);
        }

        var restored = connection.WhenRestoredAsync();

        await redis.StopAsync();
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.All(agents, agent => Assert.Equal(SiloStatus.Active, agent.Status));
        await redis.StartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        await cluster.AdvanceUntilAsync(
            () => agents.All(agent => agent.CurrentSnapshot.ActiveMembers().Count == 3),
            TimeSpan.FromSeconds(20));

        var data = await table.ReadAllAsync();
        Assert.Equal([1, 2, 3], data.Rows.Where(r => r.Entry.Status == SiloStatus.Active).Select(r => r.Entry.SiloAddress.Port).Order());
        Assert.Equal(0, declaredDead);
    }
}
