using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Runtime;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>
/// A rebalance that reaches a silo killed a moment ago (not yet declared dead). Before, the operator got the
/// runtime's "Cannot connect to 127.0.0.1:PORT@GEN: ConnectionRefused", naming neither the silo nor what to do.
/// </summary>
public sealed class RebalanceSiloLossTests
{
    private const string Model = "cut";

    [Fact]
    public async Task Rebalance_SiloKilledNotYetDeclaredDead_ErrorNamesTheSiloAndSaysToRunItAgain()
    {
        await using var cluster = await FabricTestCluster.StartAsync(3);
        await cluster.GrainFactory.GetGrain<IModelRegistryGrain>(Model)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2, ExpertReplicas = 2 });

        // Call the balancer on the silo that holds it, and kill another that holds expert replicas.
        var balancerId = cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model).GetGrainId();
        await cluster.GrainFactory.GetGrain<IExpertBalancerGrain>(Model).Report();
        var holderAddress = await cluster.Silos[0].LookupAsync(balancerId);
        var holder = cluster.Silos.Single(s => s.Address == holderAddress);
        var victim = cluster.Silos.First(s => s != holder);
        var balancer = holder.GrainFactory.GetGrain<IExpertBalancerGrain>(Model);
        await victim.KillAsync();

        var error = await Assert.ThrowsAsync<BalancerInterruptedException>(() => balancer.Rebalance(new RebalanceRequest { SpreadWhenIdle = true }));

        Assert.Contains($"silo {victim.Options.Name} ({victim.Address})", error.Message, StringComparison.Ordinal);
        Assert.Contains("may have died", error.Message, StringComparison.Ordinal);
        Assert.Contains("`distinfer rebalance` again", error.Message, StringComparison.Ordinal);

        // Once the death is declared the rerun the message asks for goes through.
        cluster.Membership.Kill(victim.Address);
        await balancer.Rebalance(new RebalanceRequest { SpreadWhenIdle = true });
        var report = await balancer.Report();
        Assert.All(report.Rows, r => Assert.NotEqual(victim.Address.ToString(), r.Silo));
    }
}
