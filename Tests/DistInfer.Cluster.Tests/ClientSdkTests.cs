using DistInfer.Client;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

public sealed class ClientSdkTests
{
    [Fact]
    public async Task GenerateAsync_TextPrompt_StreamsChunksThatEqualTheEngineAndDecodeToItsText()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var silo = cluster.Silos[0];
        await using var client = await ConnectAsync(silo);
        var info = await client.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
        var tokenizer = BpeTokenizer.FromDirectory(RepoPaths.DemoModel);
        const string Prompt = "The license grants you the right to";
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default))
            .Generate([tokenizer.Encode(Prompt)], new SamplingParams { MaxNewTokens = 20, MinNewTokens = 20 })[0].GeneratedIds;

        var chunks = new List<TokenChunk>();
        await foreach (var chunk in client.GenerateAsync("demo", Prompt, new GenerationOptions { MaxNewTokens = 20, MinNewTokens = 20 }))
        {
            chunks.Add(chunk);
        }

        Assert.Equal(expected, chunks.SelectMany(c => c.Tokens));
        Assert.Equal(tokenizer.Decode(expected), string.Concat(chunks.Select(c => c.Text)));
        Assert.Equal("length", chunks[^1].FinishReason);
        Assert.All(chunks[..^1], c => Assert.Null(c.FinishReason));
        var status = await client.StatusAsync();
        Assert.Equal(info.MoeLayers.Count * info.NumExperts, status.Experts.Count(e => e.Model == "demo"));
    }

    [Fact]
    public async Task GenerateAsync_RepetitionPenaltyAndMinP_SameTokensAsTheEngine()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        await using var client = await ConnectAsync(cluster.Silos[0]);
        await client.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        int[] prompt = [84, 104, 101, 32, 108, 105, 99, 101, 110, 115, 101];
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default))
            .Generate([prompt], new SamplingParams { MaxNewTokens = 24, MinNewTokens = 24, RepetitionPenalty = 1.8f, MinP = 0.05f })[0].GeneratedIds;

        var options = new GenerationOptions { MaxNewTokens = 24, MinNewTokens = 24, RepetitionPenalty = 1.8f, MinP = 0.05f };
        var tokens = new List<int>();
        await foreach (var chunk in client.GenerateAsync("demo", prompt, options))
        {
            tokens.AddRange(chunk.Tokens);
        }

        Assert.Equal(expected, tokens);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GenerateAsync_CancelledOrLeftMidStream_SiloStopsTheSequence(bool cancel)
    {
        // The stage runs a few steps and then waits until the client has gone, so the silo cannot finish first.
        const int FreeSteps = 4;
        var gate = new StepGateListener(new StageKey("demo", 0, 0).ToString(), FreeSteps);
        await using var cluster = await FabricTestCluster.StartAsync(1, services => services.AddSingleton<IStageActivityListener>(gate));
        var silo = cluster.Silos[0];
        await using var client = await ConnectAsync(silo);
        await client.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        const int Requested = 900;
        using var cancellation = new CancellationTokenSource();

        var received = 0;
        var stream = client.GenerateAsync("demo", [1, 2, 3], new GenerationOptions { MaxNewTokens = Requested, MinNewTokens = Requested }, cancellation.Token);
        var stopped = await Record.ExceptionAsync(async () =>
        {
            await foreach (var chunk in stream)
            {
                received += chunk.Tokens.Length;
                if (received > 0)
                {
                    if (!cancel)
                    {
                        break;
                    }

                    await cancellation.CancelAsync();
                }
            }
        });

        // Before, the silo decoded all 900 tokens for nobody and kept the session's channel for good.
        Assert.Equal(cancel, stopped is OperationCanceledException);
        Assert.Equal(0, silo.Services.GetRequiredService<GenerationSessions>().Count);
        Assert.InRange(received, 1, FreeSteps);
        gate.Release();
        var batchers = silo.Services.GetRequiredService<FabricFront>().BatchersOf("demo");
        await Task.WhenAll(batchers.Select(b => b.WhenIdleAsync()));
        Assert.InRange(batchers.Sum(b => b.Steps), received, FreeSteps + 2);

        // The silo's metrics count it (before, gateway generations were counted nowhere).
        var counters = silo.Services.GetRequiredService<GatewayCounters>();
        var finished = await client.GenerateAsync("demo", [1, 2, 3], new GenerationOptions { MaxNewTokens = 4, MinNewTokens = 4 }).CountAsync();
        Assert.Equal([("demo", GatewayCounters.Cancelled, 1L), ("demo", "length", 1L)], counters.FinishedCounts());
        Assert.InRange(counters.TokenCounts().Single().Tokens, received + 4, Requested / 2);
    }

    [Fact]
    public async Task RebalanceAsync_AfterSkewedTraffic_AddsReplicasAndReportsThem()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var silo = cluster.Silos[0];
        await using var client = await ConnectAsync(silo);
        var info = await client.DeployAsync("skew", new DeploymentRequest { ModelPath = checkpoint.Path });
        var idle = await client.ExpertLoadAsync("skew");
        Assert.Equal(info.MoeLayers.Count * info.NumExperts, idle.Rows.Count);
        Assert.Equal(0, idle.Tokens);

        await foreach (var _ in client.GenerateAsync("skew", checkpoint.Tokens(Balancing.BalancingSteps.Skewed, new Random(3)), new GenerationOptions { MaxNewTokens = 2, MinNewTokens = 2 }))
        {
        }

        var busy = await client.ExpertLoadAsync("skew");
        var result = await client.RebalanceAsync("skew", new RebalanceRequest { SlotsPerLayer = 16 });

        Assert.True(busy.Balancedness < 0.5, $"balancedness {busy.Balancedness:F3}");
        Assert.True(result.Changed);
        Assert.True(result.Added > 0);
        Assert.Equal(result.Replicas.Count, (await client.ExpertLoadAsync("skew")).Rows.Count);
    }

    /// <summary>An SDK client through <paramref name="silo"/>'s gateway, polling every 200 ms.</summary>
    private static Task<DistInferClient> ConnectAsync(Runtime.Hosting.Silo silo) => DistInferClient.ConnectAsync(new DistInferClientOptions
    {
        ClusterId = "fabric-test",
        Gateways = { $"{silo.Address.Host}:{silo.Address.Port}" },
        PollWait = TimeSpan.FromMilliseconds(200),
    });
}
