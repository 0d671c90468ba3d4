using System.Text.Json.Nodes;
using DistInfer.Engine.Config;
using DistInfer.Engine.Tests.Checkpoints;

namespace DistInfer.Engine.Tests.Config;

public sealed class ModelConfigErrorTests
{
    [Fact]
    public void Parse_UnsupportedModelType_NamesItAndListsSupported()
    {
        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse(ConfigFixtures.Edited("llama", j => j["model_type"] = "gpt2")));

        Assert.Contains("model_type", e.Message);
        Assert.Contains("'gpt2'", e.Message);
        Assert.Contains("llama, mixtral, qwen2_moe, qwen3_moe, olmoe", e.Message);
    }

    [Fact]
    public void Parse_MissingModelType_NamesField()
    {
        AssertError("llama", j => j.Remove("model_type"), "model_type");
    }

    [Fact]
    public void Parse_HiddenActGelu_NamesField() => AssertError("llama", j => j["hidden_act"] = "gelu", "hidden_act", "gelu");

    [Fact]
    public void Parse_RopeParametersTypeLlama3_NamesField() =>
        AssertError("llama", j => j["rope_parameters"]!["rope_type"] = "llama3", "rope_type", "llama3");

    [Fact]
    public void Parse_RopeScalingLinear_NamesField() =>
        AssertError("llama", j => j["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 }, "rope_type", "linear");

    [Fact]
    public void Parse_LegacyRopeScalingTypeKey_NamesField() =>
        AssertError("llama", j => j["rope_scaling"] = new JsonObject { ["type"] = "dynamic", ["factor"] = 2.0 }, "dynamic");

    [Fact]
    public void Parse_MixtralSlidingWindow_NamesField() => AssertError("mixtral", j => j["sliding_window"] = 4096, "sliding_window");

    [Fact]
    public void Parse_QwenUseSlidingWindow_NamesField() => AssertError("qwen3_moe", j => j["use_sliding_window"] = true, "sliding_window");

    [Fact]
    public void Parse_PartialRotaryFactor_NamesField() => AssertError("llama", j => j["partial_rotary_factor"] = 0.5, "partial_rotary_factor");

    [Fact]
    public void Parse_MlpBias_NamesField() => AssertError("llama", j => j["mlp_bias"] = true, "mlp_bias");

    [Fact]
    public void Parse_MissingHiddenSize_NamesField() => AssertError("mixtral", j => j.Remove("hidden_size"), "hidden_size");

    [Fact]
    public void Parse_HiddenSizeNotAnInteger_NamesField() => AssertError("mixtral", j => j["hidden_size"] = "64", "hidden_size");

    [Fact]
    public void Parse_KvHeadsNotDividingHeads_NamesField() => AssertError("llama", j => j["num_key_value_heads"] = 3, "num_key_value_heads");

    [Fact]
    public void Parse_TopKAboveExperts_NamesField() => AssertError("olmoe", j => j["num_experts_per_tok"] = 9, "num_experts_per_tok");

    [Fact]
    public void Parse_MoeWithoutExpertCount_NamesField() => AssertError("mixtral", j => j.Remove("num_local_experts"), "num_experts_per_tok");

    [Fact]
    public void Parse_ZeroSparseStep_NamesField() => AssertError("qwen2_moe", j => j["decoder_sparse_step"] = 0, "decoder_sparse_step");

    [Fact]
    public void Parse_OddHeadDim_NamesField() => AssertError("qwen3_moe", j => j["head_dim"] = 15, "head_dim");

    [Fact]
    public void Parse_BadJson_NamesSource()
    {
        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse("{\"model_type\": \"llama\",", "/models/x/config.json"));

        Assert.Contains("/models/x/config.json", e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Parse_JsonArray_NamesSource()
    {
        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse("[1, 2]", "cfg.json"));

        Assert.Contains("cfg.json", e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesPath()
    {
        using var temp = new TempDirectory();

        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Load(temp.Path));

        Assert.Contains(Path.Combine(temp.Path, "config.json"), e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Load_BadJsonFile_NamesPath()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("config.json"), "{ not json");

        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Load(temp.Path));

        Assert.Contains(temp.File("config.json"), e.Message);
    }

    private static void AssertError(string fixture, Action<JsonObject> edit, params string[] expectedInMessage)
    {
        var json = ConfigFixtures.Edited(fixture, edit);

        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse(json, "test/config.json"));

        Assert.StartsWith("test/config.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var text in expectedInMessage)
        {
            Assert.Contains(text, e.Message);
        }
    }
}
