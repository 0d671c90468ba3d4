using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Checks that a front serves a model with a fixture's weights: two prompts, five greedy tokens, as the engine.</summary>
internal static class FrontAssert
{
    private static readonly int[][] Prompts = [[1, 2, 3, 4], [400, 401]];

    public static async Task GeneratesLikeEngineAsync(IFrontGrain front, string model, string fixture)
    {
        var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture(fixture), Gemm.Default)).Generate(Prompts, new SamplingParams { MaxNewTokens = 5, MinNewTokens = 5 });

        var response = await front.Generate(new GenerateRequest { Model = model, Prompts = [.. Prompts], MaxNewTokens = 5, MinNewTokens = 5 });

        Assert.Equal(expected[0].GeneratedIds, response.Generated[0]);
        Assert.Equal(expected[1].GeneratedIds, response.Generated[1]);
    }
}
