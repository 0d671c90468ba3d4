using System.Diagnostics;
using DistInfer.Runtime.Membership;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>The protocol on real timers (system clock, thread pool), not the fake clock.</summary>
public sealed class MembershipAgentSystemClockTests
{
    [Fact]
    public async Task KilledSilo_SystemClockDefaults_DeclaredDeadWithinTenSeconds()
    {
        var table = new InMemoryMembershipTable();
        var network = new FakeNetwork();
        var agents = new List<MembershipAgent>();
        try
        {
            for (var port = 1; port <= 3; port++)
            {
                var silo = new SiloAddress("127.0.0.1", port, 1);
                network.Set(silo, FakeNetwork.SiloReachability.Up);
                var agent = new MembershipAgent(table, network.From(silo), new LocalSiloDetails(silo, $"silo-{port}"), Options.Create(new MembershipOptions()));
                agents.Add(agent);
                await agent.StartAsync();
            }

            var victim = agents[2].LocalSilo;
            var declared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            agents[0].MembershipChanged += update =>
            {
                if (update.Snapshot.GetSiloStatus(victim) == SiloStatus.Dead)
                {
                    declared.TrySetResult();
                }
            };

            var clock = Stopwatch.StartNew();
            network.Set(victim, FakeNetwork.SiloReachability.Hanging);
            await agents[2].DisposeAsync();
            await declared.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(10), $"declared dead after {clock.Elapsed}");
            Assert.Equal(SiloStatus.Active, agents[0].CurrentSnapshot.GetSiloStatus(agents[1].LocalSilo));
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }
}
