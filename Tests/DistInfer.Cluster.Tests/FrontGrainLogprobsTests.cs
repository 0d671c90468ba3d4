using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests;

/// <summary>Log-probabilities through the fabric's token chunks (Start / Next, as clients outside the cluster stream).</summary>
public sealed class FrontGrainLogprobsTests
{
    [Fact]
    public async Task Next_TopLogprobsThree_ChunksCarryEngineLogSoftmaxBestFirst()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        await using var client = await cluster.ConnectClientAsync();
        var front = client.GetGrain<IFrontGrain>("logprobs");
        await front.Deploy("olmoe-lp", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 2 });
        int[] prompt = [1, 2, 3, 4];

        var id = await front.Start(new GenerateRequest { Model = "olmoe-lp", Prompts = [prompt], MaxNewTokens = 5, MinNewTokens = 5, TopLogprobs = 3 });
        var tokens = new List<int>();
        var values = new List<double>();
        var topIds = new List<int>();
        var topValues = new List<double>();
        GenerationChunk chunk;
        do
        {
            chunk = await front.Next(id, 10_000);
            Assert.Equal(chunk.Tokens.Length, chunk.LogProbabilities.Length);
            Assert.Equal(3 * chunk.Tokens.Length, chunk.TopTokenIds.Length);
            tokens.AddRange(chunk.Tokens);
            values.AddRange(chunk.LogProbabilities);
            topIds.AddRange(chunk.TopTokenIds);
            topValues.AddRange(chunk.TopLogProbabilities);
        }
        while (chunk.FinishReason is null);

        // The in-process engine's logits for the same tokens, decoded one at a time as the batcher does.
        var model = TransformerModel.Load(RepoPaths.Fixture("olmoe"), Gemm.Default);
        var cache = model.CreateCache(prompt.Length + 64);
        var logits = model.Forward(new BatchLayout([cache], [prompt.Length]), prompt, allPositions: false);
        Assert.Equal(5, tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var expected = LogSoftmax(logits);
            Assert.InRange(values[i], expected[tokens[i]] - 1e-5, expected[tokens[i]] + 1e-5);
            var best = Enumerable.Range(0, expected.Length).OrderByDescending(t => expected[t]).ThenBy(t => t).Take(3).ToArray();
            Assert.Equal(best, topIds.Skip(3 * i).Take(3));
            for (var k = 0; k < 3; k++)
            {
                Assert.InRange(topValues[3 * i + k], expected[best[k]] - 1e-5, expected[best[k]] + 1e-5);
            }

            logits = model.Forward(new BatchLayout([cache], [1]), [tokens[i]], allPositions: false);
        }
    }

    private static double[] LogSoftmax(float[] logits)
    {
        var max = logits.Max();
        var sum = logits.Sum(v => Math.Exp(v - max));
        return [.. logits.Select(v => v - max - Math.Log(sum))];
    }
}
