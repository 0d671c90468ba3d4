using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// The front grain is a stateless worker with one worker per core. Its calls last as long as a generation (Generate)
/// or a poll (Next); they must not take a worker each, or a silo serves only as many clients at once as it has cores
/// and every other call (status, cancel, the next poll) waits behind them.
/// </summary>
public sealed class FrontGrainConcurrencyTests
{
    [Fact]
    public async Task Generate_MoreLongCallsThanWorkers_AllJoinTheBatchAndStatusAndCancelAnswer()
    {
        var gate = new GatedStage(new StageKey("demo-busy", 0, 0).ToString());
        await using var cluster = await FabricTestCluster.StartAsync(1, (_, services) => services.AddSingleton<IStageActivityListener>(gate));
        await using var client = await cluster.ConnectClientAsync();
        var front = client.GetGrain<IFrontGrain>("busy");
        await front.Deploy("demo-busy", new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        var calls = Environment.ProcessorCount + 2;

        var generations = Enumerable.Range(0, calls)
            .Select(i => front.Generate(new GenerateRequest { Model = "demo-busy", Prompts = [[65 + i, 66]], MaxNewTokens = 3, MinNewTokens = 3 }))
            .ToArray();
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var streamed = await front.Start(new GenerateRequest { Model = "demo-busy", Prompts = [[70, 71]], MaxNewTokens = 3, MinNewTokens = 3 });
        var status = await front.Status().WaitAsync(TimeSpan.FromSeconds(30));
        var cancelled = await front.Cancel(streamed).WaitAsync(TimeSpan.FromSeconds(30));
        gate.Release.TrySetResult();
        var responses = await Task.WhenAll(generations).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(cancelled);
        Assert.Contains(status.Stages, s => s.Model == "demo-busy");
        Assert.All(responses, r => Assert.Equal(3, Assert.Single(r.Generated).Length));
    }
}
