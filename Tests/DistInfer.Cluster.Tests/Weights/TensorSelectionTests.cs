using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

public sealed class TensorSelectionTests
{
    public static TheoryData<string> Fixtures() => new() { "llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void StagesAndExperts_OfTwoStages_CoverEveryTensorOnce(string fixture)
    {
        var config = ModelConfigReader.Load(RepoPaths.Fixture(fixture));
        using var checkpoint = Checkpoint.Open(RepoPaths.Fixture(fixture));
        var names = checkpoint.Names;
        var split = config.NumLayers / 2;

        var selected = new List<string>();
        selected.AddRange(TensorSelection.Stage(config, names, 0, split, embedding: true, head: false));
        selected.AddRange(TensorSelection.Stage(config, names, split, config.NumLayers, embedding: false, head: true));
        for (var l = 0; l < config.NumLayers; l++)
        {
            for (var e = 0; config.MoeLayers[l] && e < config.NumExperts; e++)
            {
                selected.AddRange(TensorSelection.Expert(config, l, e));
            }
        }

        // A tied head re-reads the embedding on the last stage; everything else is loaded exactly once.
        var counts = selected.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(names.Order(), counts.Keys.Order());
        Assert.All(counts, c => Assert.True(c.Value == 1 || (config.TieWordEmbeddings && c.Key.EndsWith("embed_tokens.weight", StringComparison.Ordinal)), $"{c.Key} selected {c.Value} times"));
    }
}
