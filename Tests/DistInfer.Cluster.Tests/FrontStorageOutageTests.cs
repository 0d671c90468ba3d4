using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>A gateway client's request meets an unreachable silo while membership storage is down.</summary>
public sealed class FrontStorageOutageTests
{
    private const string Model = "outage";
    private const string Problem = "Redis at 127.0.0.1:6399 unavailable for membership of cluster fabric-test";

    [Fact]
    public async Task Generate_SiloUnreachableWhileStorageDown_ErrorSaysTheSiloCannotBeDeclaredDeadUntilStorageIsBack()
    {
        var listener = new UnreachableSiloStageListener(new StageKey(Model, 0, 1).ToString());
        await using var cluster = new FabricTestCluster
        {
            Fabric = new FabricOptions { RebalanceOnJoin = false, RecoveryWindow = TimeSpan.Zero },
            ConfigureSilo = (_, services) => services.AddSingleton<IStageActivityListener>(listener),
        };
        await cluster.AddSiloAsync();
        await cluster.AddSiloAsync();
        var front = cluster.Silos[0].GrainFactory.GetGrain<IFrontGrain>("a");
        await front.Deploy(Model, new DeploymentRequest { ModelPath = RepoPaths.Fixture("llama"), Stages = 2 });
        cluster.Membership.StorageProblem = Problem;

        // Before, only the runtime's "Cannot connect": the CLI then advised a rerun "once status shows the silo Dead",
        // which cannot happen while Redis is down.
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => front.Generate(new GenerateRequest { Model = Model, Prompts = [[1, 2, 3]], MaxNewTokens = 2 }));
        Assert.Contains(UnreachableSiloStageListener.Message, error.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot declare that silo dead while its membership storage is unreachable ({Problem})", error.Message, StringComparison.Ordinal);

        var id = await front.Start(new GenerateRequest { Model = Model, Prompts = [[1, 2, 3]], MaxNewTokens = 2 });
        var streamed = await Assert.ThrowsAsync<SiloUnavailableException>(async () =>
        {
            while ((await front.Next(id, 30_000)).FinishReason is null)
            {
            }
        });
        Assert.Contains(Problem, streamed.Message, StringComparison.Ordinal);
    }
}
