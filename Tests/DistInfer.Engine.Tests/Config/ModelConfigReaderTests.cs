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

    /// <summary>Fixture, JSON merge patch (null removes a field), the ModelConfig property it decides, its expected value.</summary>
    public static TheoryData<string, string, string, object> EditedFields() => new()
    {
        // Mixtral always renormalises its top-k weights, whatever the config says.
        { "mixtral", """{"norm_topk_prob":false}""", nameof(ModelConfig.NormTopKProb), true },
        { "llama", """{"rope_parameters":null,"rope_theta":500000.0}""", nameof(ModelConfig.RopeTheta), 500000.0 },
        { "llama", """{"rope_parameters":{"rope_theta":123456.0}}""", nameof(ModelConfig.RopeTheta), 123456.0 },
        { "mixtral", """{"rope_parameters":null}""", nameof(ModelConfig.RopeTheta), 10000.0 },
        { "olmoe", """{"clip_qkv":8.0}""", nameof(ModelConfig.ClipQkv), 8f },
        { "llama", """{"tie_word_embeddings":true}""", nameof(ModelConfig.TieWordEmbeddings), true },
        { "llama", """{"eos_token_id":5}""", nameof(ModelConfig.EosTokenIds), new[] { 5 } },
        { "llama", """{"eos_token_id":[2,7,9]}""", nameof(ModelConfig.EosTokenIds), new[] { 2, 7, 9 } },
        { "llama", """{"eos_token_id":[2,7,9]}""", nameof(ModelConfig.PaddingTokenId), 2 },
        { "qwen3_moe", """{"num_local_experts":6}""", nameof(ModelConfig.NumExperts), 6 },
        { "qwen3_moe", """{"num_local_experts":null,"num_experts":6}""", nameof(ModelConfig.NumExperts), 6 },

        // An explicit head_dim wins over hidden_size / num_attention_heads, which stay as they were.
        { "qwen3_moe", """{"head_dim":32}""", nameof(ModelConfig.HeadDim), 32 },
        { "qwen3_moe", """{"head_dim":32}""", nameof(ModelConfig.HiddenSize), 64 },
        { "qwen3_moe", """{"head_dim":32}""", nameof(ModelConfig.NumHeads), 4 },
        { "qwen2_moe", """{"qkv_bias":null}""", nameof(ModelConfig.AttentionBias), true },
        { "llama", """{"attention_bias":true}""", nameof(ModelConfig.AttentionBias), true },
        { "llama", """{"dtype":null,"torch_dtype":"bfloat16"}""", nameof(ModelConfig.DType), "bfloat16" },
    };

    [Theory]
    [MemberData(nameof(EditedFields))]
    public void Parse_EditedField_IsRead(string fixture, string patch, string property, object expected)
    {
        var c = ModelConfigReader.Parse(ConfigFixtures.Patched(fixture, patch));

        Assert.Equal(expected, typeof(ModelConfig).GetProperty(property)!.GetValue(c));
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
}
