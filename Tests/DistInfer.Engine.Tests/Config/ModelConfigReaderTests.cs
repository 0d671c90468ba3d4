using System.Text.Json.Nodes;
using DistInfer.Engine.Config;

namespace DistInfer.Engine.Tests.Config;

public sealed class ModelConfigReaderTests
{
    [Fact]
    public void Load_LlamaFixture_DenseWithExplicitHeadDim()
    {
        var c = ModelConfigReader.Load(RepoPaths.Fixture("llama"));

        Assert.Equal("llama", c.ModelType);
        Assert.Equal((512, 64, 2, 4, 2, 16, 128), (c.VocabSize, c.HiddenSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim, c.IntermediateSize));
        Assert.False(c.IsMoe);
        Assert.Equal((0, 0, 0, 0), (c.NumExperts, c.TopK, c.ExpertIntermediateSize, c.SharedExpertIntermediateSize));
        Assert.Equal([false, false], c.MoeLayers);
        Assert.Equal(QkNormKind.None, c.QkNorm);
        Assert.False(c.AttentionBias);
        Assert.Null(c.ClipQkv);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-5f, c.RmsNormEps);
        Assert.Equal(256, c.MaxPositionEmbeddings);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal("float32", c.DType);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Null(c.PadTokenId);
        Assert.Equal(2, c.PaddingTokenId);
    }

    [Fact]
    public void Load_MixtralFixture_NullHeadDimIsHiddenOverHeadsAndTopKAlwaysNormalised()
    {
        var c = ModelConfigReader.Load(RepoPaths.Fixture("mixtral"));

        Assert.Equal(16, c.HeadDim);
        Assert.Equal((4, 2, 96), (c.NumExperts, c.TopK, c.ExpertIntermediateSize));
        Assert.True(c.NormTopKProb);
        Assert.Equal(0, c.SharedExpertIntermediateSize);
        Assert.Equal([true, true], c.MoeLayers);
        Assert.True(c.MixtralExpertNames);
        Assert.Equal(QkNormKind.None, c.QkNorm);
        Assert.False(c.AttentionBias);
        Assert.Equal(1_000_000.0, c.RopeTheta);
        Assert.Equal([2], c.EosTokenIds);
    }

    [Fact]
    public void Load_Qwen2MoeFixture_SharedExpertAndQkvBias()
    {
        var c = ModelConfigReader.Load(RepoPaths.Fixture("qwen2_moe"));

        Assert.Equal(16, c.HeadDim);
        Assert.Equal((8, 2, 48, 96), (c.NumExperts, c.TopK, c.ExpertIntermediateSize, c.IntermediateSize));
        Assert.False(c.NormTopKProb);
        Assert.Equal(80, c.SharedExpertIntermediateSize);
        Assert.Equal([true, true], c.MoeLayers);
        Assert.True(c.AttentionBias);
        Assert.Equal(QkNormKind.None, c.QkNorm);
        Assert.False(c.MixtralExpertNames);
        Assert.Empty(c.EosTokenIds);
        Assert.Equal(0, c.PaddingTokenId);
    }

    [Fact]
    public void Load_Qwen3MoeFixture_PerHeadQkNormAndNumLocalExperts()
    {
        var c = ModelConfigReader.Load(RepoPaths.Fixture("qwen3_moe"));

        Assert.Equal(16, c.HeadDim);
        Assert.Equal((8, 2, 48), (c.NumExperts, c.TopK, c.ExpertIntermediateSize));
        Assert.True(c.NormTopKProb);
        Assert.Equal(0, c.SharedExpertIntermediateSize);
        Assert.Equal([true, true], c.MoeLayers);
        Assert.False(c.AttentionBias);
        Assert.Equal(QkNormKind.PerHead, c.QkNorm);
    }

    [Fact]
    public void Load_OlmoeFixture_FullWidthQkNormNoClip()
    {
        var c = ModelConfigReader.Load(RepoPaths.Fixture("olmoe"));

        Assert.Equal(16, c.HeadDim);
        Assert.Equal((8, 2, 48), (c.NumExperts, c.TopK, c.ExpertIntermediateSize));
        Assert.False(c.NormTopKProb);
        Assert.Equal([true, true], c.MoeLayers);
        Assert.Equal(QkNormKind.FullWidth, c.QkNorm);
        Assert.Null(c.ClipQkv);
        Assert.False(c.AttentionBias);
        Assert.Equal([50279], c.EosTokenIds);
        Assert.Equal(1, c.PadTokenId);
        Assert.Null(c.BosTokenId);
    }

    [Fact]
    public void Parse_MixtralWithNormTopKProbFalse_StillNormalises()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("mixtral", j => j["norm_topk_prob"] = false));

        Assert.True(c.NormTopKProb);
    }

    [Fact]
    public void Parse_TopLevelRopeTheta_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j =>
        {
            j.Remove("rope_parameters");
            j["rope_theta"] = 500000.0;
        }));

        Assert.Equal(500000.0, c.RopeTheta);
    }

    [Fact]
    public void Parse_RopeParametersTheta_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["rope_parameters"]!["rope_theta"] = 123456.0));

        Assert.Equal(123456.0, c.RopeTheta);
    }

    [Fact]
    public void Parse_NoRopeThetaAnywhere_DefaultsTo10000()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("mixtral", j => j.Remove("rope_parameters")));

        Assert.Equal(10000.0, c.RopeTheta);
    }

    [Theory]
    [InlineData("num_local_experts")]
    [InlineData("num_experts")]
    public void Parse_EitherExpertCountField_IsRead(string field)
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("qwen3_moe", j =>
        {
            j.Remove("num_local_experts");
            j[field] = 6;
        }));

        Assert.Equal(6, c.NumExperts);
    }

    [Fact]
    public void Parse_ExplicitHeadDimDifferentFromHiddenOverHeads_IsUsed()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("qwen3_moe", j => j["head_dim"] = 32));

        Assert.Equal(32, c.HeadDim);
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(4, c.NumHeads);
    }

    [Theory]
    [InlineData("qwen2_moe", 2, new int[0], new[] { false, true, false, true })]
    [InlineData("qwen2_moe", 2, new[] { 1 }, new[] { false, false, false, true })]
    [InlineData("qwen2_moe", 1, new[] { 0 }, new[] { false, true, true, true })]
    [InlineData("qwen3_moe", 2, new[] { 0 }, new[] { false, true, false, true })]
    [InlineData("qwen3_moe", 1, new[] { 0, 3 }, new[] { false, true, true, false })]
    public void Parse_SparseStepAndMlpOnlyLayers_GiveMoeLayerMap(string model, int step, int[] mlpOnly, bool[] expected)
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited(model, j =>
        {
            j["num_hidden_layers"] = 4;
            j["decoder_sparse_step"] = step;
            j["mlp_only_layers"] = new JsonArray(mlpOnly.Select(i => (JsonNode)i).ToArray());
        }));

        Assert.Equal(expected, c.MoeLayers);
        var ordinal = 0;
        for (var l = 0; l < expected.Length; l++)
        {
            Assert.Equal(expected[l] ? ordinal++ : -1, c.MoeLayerOrdinal(l));
        }
    }

    [Fact]
    public void Parse_OlmoeClipQkv_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("olmoe", j => j["clip_qkv"] = 8.0));

        Assert.Equal(8f, c.ClipQkv);
    }

    [Fact]
    public void Parse_TieWordEmbeddings_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["tie_word_embeddings"] = true));

        Assert.True(c.TieWordEmbeddings);
    }

    [Fact]
    public void Parse_EosAsList_AllIdsKept()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["eos_token_id"] = new JsonArray(2, 7, 9)));

        Assert.Equal([2, 7, 9], c.EosTokenIds);
        Assert.Equal(2, c.PaddingTokenId);
    }

    [Fact]
    public void Parse_EosAsInt_SingleId()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["eos_token_id"] = 5));

        Assert.Equal([5], c.EosTokenIds);
    }

    [Fact]
    public void Parse_Qwen2MoeWithoutQkvBiasField_DefaultsToBias()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("qwen2_moe", j => j.Remove("qkv_bias")));

        Assert.True(c.AttentionBias);
    }

    [Fact]
    public void Parse_LlamaAttentionBias_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["attention_bias"] = true));

        Assert.True(c.AttentionBias);
    }

    [Fact]
    public void Parse_TorchDtypeOnly_IsRead()
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j =>
        {
            j.Remove("dtype");
            j["torch_dtype"] = "bfloat16";
        }));

        Assert.Equal("bfloat16", c.DType);
    }
}
