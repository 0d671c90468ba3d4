using DistInfer.Client;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// The client's gateway silo dies mid-generation. Its sessions and batcher died with it, so the request was lost;
/// the SDK now goes on through another silo it learned from the cluster, with the prompt and the tokens it has.
/// </summary>
public sealed class ClientResumeTests
{
    private const string Model = "demo-resume";
    private const int NewTokens = 24;
    private const int BeforeKill = 6;

    [Theory]
    [InlineData(0f, null)]
    [InlineData(0.9f, 1234L)]
    public async Task GenerateAsync_GatewaySiloKilledMidGeneration_FinishesWithTheUndisturbedTokens(float temperature, long? seed)
    {
        var steps = new HoldingSteps(new StageKey(Model, 0, 0).ToString(), BeforeKill);
        await using var cluster = await FabricTestCluster.StartAsync(3, (_, services) => services.AddSingleton<IStageActivityListener>(steps));
        var gateway = cluster.Silos[0];
        await using var client = await DistInferClient.ConnectAsync(new DistInferClientOptions
        {
            ClusterId = "fabric-test",
            Gateways = { $"{gateway.Address.Host}:{gateway.Address.Port}" },
            PollWait = TimeSpan.FromMilliseconds(100),
        });
        await client.DeployAsync(Model, new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
        int[] prompt = [84, 104, 101, 32, 108, 105, 99, 101, 110, 115, 101];
        var sampling = new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens, Temperature = temperature, Seed = (ulong?)seed };
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default)).Generate([prompt], sampling)[0].GeneratedIds;
        var options = new GenerationOptions { MaxNewTokens = NewTokens, MinNewTokens = NewTokens, Temperature = temperature, Seed = seed };

        var tokens = new List<int>();
        string? finish = null;
        await foreach (var chunk in client.GenerateAsync(Model, prompt, options))
        {
            tokens.AddRange(chunk.Tokens);
            finish = chunk.FinishReason;
            if (tokens.Count >= BeforeKill && gateway.IsRunning)
            {
                // The stage holds the next step: the gateway dies with the rest of the generation undone.
                await steps.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
                await cluster.KillAsync(gateway);
                steps.Release.TrySetResult();
            }
        }

        Assert.False(gateway.IsRunning);
        Assert.Equal(expected, tokens);
        Assert.Equal("length", finish);
    }

    /// <summary>Lets <paramref name="free"/> steps through one stage, then holds the next until released (once).</summary>
    private sealed class HoldingSteps(string stageKey, int free) : IStageActivityListener
    {
        private int _steps;

        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask OnBusyAsync(string stage, StageStep step)
        {
            if (stage == stageKey && Interlocked.Increment(ref _steps) == free + 1)
            {
                Holding.TrySetResult();
                await Release.Task;
            }
        }
    }
}
