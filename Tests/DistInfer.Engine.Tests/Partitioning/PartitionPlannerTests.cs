using DistInfer.Engine.Config;
using DistInfer.Engine.Partitioning;

namespace DistInfer.Engine.Tests.Partitioning;

public sealed class PartitionPlannerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Plan_DemoModel_CoversEveryLayerOnceWithEndsAtTheEnds(int stages)
    {
        var config = ModelConfigReader.Load(RepoPaths.DemoModel);
        var plan = PartitionPlanner.Plan(config, stages);

        Assert.Equal(stages, plan.Count);
        Assert.Equal(0, plan[0].FirstLayer);
        Assert.Equal(config.NumLayers, plan[^1].EndLayer);
        for (var s = 1; s < stages; s++)
        {
            Assert.Equal(plan[s - 1].EndLayer, plan[s].FirstLayer);
        }

        Assert.True(plan[0].Embedding);
        Assert.True(plan[^1].Head);
        Assert.All(plan, p => Assert.True(p.LayerCount > 0));
    }

    [Fact]
    public void Plan_HeavyEnds_MovesLayersAwayFromEmbeddingAndHeadStages()
    {
        // 8 layers, a vocabulary so large that embedding and head each weigh more than several layers.
        var config = ModelConfigReader.Load(RepoPaths.DemoModel) with { NumLayers = 8, MoeLayers = Enumerable.Repeat(true, 8).ToArray(), VocabSize = 200_000 };
        var plan = PartitionPlanner.Plan(config, 3);

        Assert.True(plan[1].LayerCount > plan[0].LayerCount, $"middle stage should hold more layers: {string.Join(", ", plan)}");
        var max = plan.Max(p => p.ParameterBytes);
        var evenSplitMax = new[] { (0, 3), (3, 6), (6, 8) }.Max(r => Enumerable.Range(r.Item1, r.Item2 - r.Item1).Sum(l => PartitionPlanner.LayerParameters(config, l) * 4)
            + (r.Item1 == 0 ? PartitionPlanner.EmbeddingParameters(config) * 4 : 0) + (r.Item2 == 8 ? PartitionPlanner.HeadParameters(config) * 4 : 0));
        Assert.True(max <= evenSplitMax);
    }

    [Fact]
    public void Plan_MoreStagesThanLayers_ThrowsNamingLimit()
    {
        var config = ModelConfigReader.Load(RepoPaths.DemoModel);
        var error = Assert.Throws<DistInferException>(() => PartitionPlanner.Plan(config, 9));
        Assert.Contains("4 layers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayerParameters_Fixtures_EqualCheckpointTensorSizes()
    {
        foreach (var name in new[] { "mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "llama" })
        {
            var config = ModelConfigReader.Load(RepoPaths.Fixture(name));
            using var source = DistInfer.Engine.Checkpoints.Checkpoint.Open(RepoPaths.Fixture(name));
            var total = source.Names.Sum(n => source.GetInfo(n).ElementCount);
            var planned = Enumerable.Range(0, config.NumLayers).Sum(l => PartitionPlanner.LayerParameters(config, l))
                + PartitionPlanner.EmbeddingParameters(config) + PartitionPlanner.HeadParameters(config);
            Assert.Equal(total, planned);
        }
    }
}
