using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

public sealed class MoeCapacityTests
{
    [Theory]
    [InlineData(1.0, 10, 2, 4, 5)]
    [InlineData(1.25, 7, 2, 8, 3)]
    [InlineData(0.01, 3, 1, 8, 1)]
    [InlineData(0.0, 3, 1, 8, int.MaxValue)]
    public void Capacity_FactorTokensTopKExperts_IsSwitchCeiling(double factor, int tokens, int topK, int experts, int expected) =>
        Assert.Equal(expected, MoeRouting.Capacity(factor, tokens, topK, experts));

    [Fact]
    public void WithCapacity_OverfullExpert_DropsLaterChoiceRanksThenLaterTokens()
    {
        // Per token (first, second): t0 (0, 1), t1 (0, 2), t2 (1, 0), t3 (0, 1).
        int[] ids = [0, 1, 0, 2, 1, 0, 0, 1];
        float[] weights = [0.6f, 0.4f, 0.7f, 0.3f, 0.5f, 0.5f, 0.8f, 0.2f];
        var routing = new MoeRouting(4, 2, 3, ids, weights);

        var capped = routing.WithCapacity(2);

        // First choices are admitted first: tokens 0, 1 take expert 0; token 3's first choice (expert 0) is dropped,
        // and token 2's second choice (expert 0) too. Expert 1 admits token 2 (rank 0) and token 0 (rank 1), drops token 3.
        Assert.Equal([0, 1], capped.TokensOf(0).ToArray());
        Assert.Equal([0, 2], capped.TokensOf(1).ToArray());
        Assert.Equal([1], capped.TokensOf(2).ToArray());
        Assert.Equal(3, capped.Dropped);
        Assert.Equal([0.6f, 0.7f], capped.WeightsOf(0).ToArray());
        Assert.Equal([0.4f, 0.5f], capped.WeightsOf(1).ToArray());
    }

    [Fact]
    public void WithCapacity_EveryExpertWithinCapacity_ReturnsSameRouting()
    {
        var routing = new MoeRouting(2, 1, 2, [0, 1], [1f, 1f]);

        Assert.Same(routing, routing.WithCapacity(1));
        Assert.Equal(0, routing.Dropped);
    }

    [Fact]
    public void Forward_CapacityFactor_DroppedTokensContributeNothingForThatExpert()
    {
        var model = TransformerModel.Load(RepoPaths.Fixture("mixtral"), ReferenceGemm.Instance);
        var config = model.Config;
        var moe = model.Weights.Layers[0]!.Moe!;
        var h = config.HiddenSize;
        const int rows = 9;
        var x = new float[rows * h];
        var random = new Random(7);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var block = new MoeBlock(config, ReferenceGemm.Instance, bf16: false) { CapacityFactor = 0.5 };
        var output = new float[rows * h];
        block.Forward(moe, x, rows, output, new float[rows * config.NumExperts]);

        // Independent reference: route, admit by (rank, token) up to capacity, and add weight · expert(row) per kept pair.
        var logits = new float[rows * config.NumExperts];
        var routing = MoeRouter.Route(config, moe.Router, ReferenceGemm.Instance, x, rows, logits);
        var capacity = MoeRouting.Capacity(0.5, rows, config.TopK, config.NumExperts);
        var used = new int[config.NumExperts];
        var expected = new double[rows * h];
        var dropped = 0;
        var row = new float[h];
        for (var k = 0; k < config.TopK; k++)
        {
            for (var t = 0; t < rows; t++)
            {
                var e = routing.ExpertIds[t * config.TopK + k];
                if (used[e]++ >= capacity)
                {
                    dropped++;
                    continue;
                }

                moe.Experts[e]!.Forward(ReferenceGemm.Instance, x.AsSpan(t * h, h), 1, row, false);
                for (var j = 0; j < h; j++)
                {
                    expected[t * h + j] += routing.Weights[t * config.TopK + k] * row[j];
                }
            }
        }

        Assert.True(dropped > 0, "capacity factor 0.5 dropped nothing; the test needs an overfull expert");
        var error = FixtureModels.RelativeError(output, [.. expected.Select(v => (float)v)]);
        Assert.True(error < 1e-5, $"relative error {error:E2}");
    }

    [Fact]
    public void Forward_LargeCapacityFactor_EqualsDropless()
    {
        var model = TransformerModel.Load(RepoPaths.Fixture("qwen3_moe"), ReferenceGemm.Instance);
        var caches = new[] { model.CreateCache() };
        int[] tokens = [5, 17, 33, 2, 9, 41];
        var dropless = model.Forward(new BatchLayout(caches, [tokens.Length]), tokens, allPositions: true);

        model.CapacityFactor = 100;
        var capped = model.Forward(new BatchLayout([model.CreateCache()], [tokens.Length]), tokens, allPositions: true);

        Assert.Equal(dropless, capped);
    }

    [Fact]
    public void CapacityFactor_Negative_ThrowsDistInferException()
    {
        var model = FixtureModels.Load("olmoe");

        var e = Assert.Throws<DistInferException>(() => model.CapacityFactor = -1);
        Assert.Contains("capacity factor", e.Message, StringComparison.Ordinal);
    }
}
