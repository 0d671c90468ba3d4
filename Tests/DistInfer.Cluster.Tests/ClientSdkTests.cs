using DistInfer.Client;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests;

public sealed class ClientSdkTests
{
    [Fact]
    public async Task GenerateAsync_TextPrompt_StreamsChunksThatEqualTheEngineAndDecodeToItsText()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var silo = cluster.Silos[0];
        await using var client = await DistInferClient.ConnectAsync(new DistInferClientOptions
        {
            ClusterId = "fabric-test",
            Gateways = { $"{silo.Address.Host}:{silo.Address.Port}" },
            PollWait = TimeSpan.FromMilliseconds(200),
        });
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
}
