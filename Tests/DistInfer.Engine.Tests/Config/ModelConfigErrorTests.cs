using DistInfer.Engine.Config;

namespace DistInfer.Engine.Tests.Config;

public sealed class ModelConfigErrorTests
{
    /// <summary>Fixture, the JSON merge patch that breaks it, and what the one-line message must contain.</summary>
    public static TheoryData<string, string, string[]> BadFields() => new()
    {
        { "llama", """{"model_type":"gpt2"}""", ["model_type", "'gpt2'", "llama, mixtral, qwen2_moe, qwen3_moe, olmoe"] },
        { "llama", """{"model_type":null}""", ["model_type"] },
        { "llama", """{"hidden_act":"gelu"}""", ["hidden_act", "gelu"] },
        { "llama", """{"rope_parameters":{"rope_type":"llama3"}}""", ["rope_type", "llama3"] },
        { "llama", """{"rope_scaling":{"rope_type":"linear","factor":2.0}}""", ["rope_type", "linear"] },
        { "llama", """{"rope_scaling":{"type":"dynamic","factor":2.0}}""", ["dynamic"] },
        { "mixtral", """{"sliding_window":4096}""", ["sliding_window"] },
        { "qwen3_moe", """{"use_sliding_window":true}""", ["sliding_window"] },
        { "llama", """{"partial_rotary_factor":0.5}""", ["partial_rotary_factor"] },
        { "llama", """{"mlp_bias":true}""", ["mlp_bias"] },
        { "mixtral", """{"hidden_size":null}""", ["hidden_size"] },
        { "mixtral", """{"hidden_size":"64"}""", ["hidden_size"] },
        { "llama", """{"num_key_value_heads":3}""", ["num_key_value_heads"] },
        { "olmoe", """{"num_experts_per_tok":9}""", ["num_experts_per_tok"] },
        { "mixtral", """{"num_local_experts":null}""", ["num_experts_per_tok"] },
        { "qwen2_moe", """{"decoder_sparse_step":0}""", ["decoder_sparse_step"] },
        { "qwen3_moe", """{"head_dim":15}""", ["head_dim"] },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Parse_BadField_OneLineNamingSourceAndField(string fixture, string patch, string[] expectedInMessage)
    {
        var json = ConfigFixtures.Patched(fixture, patch);

        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse(json, "test/config.json"));

        Assert.StartsWith("test/config.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var text in expectedInMessage)
        {
            Assert.Contains(text, e.Message);
        }
    }

    [Theory]
    [InlineData("{\"model_type\": \"llama\",", "/models/x/config.json", new[] { "/models/x/config.json", "not valid JSON" })]
    [InlineData("[1, 2]", "cfg.json", new[] { "cfg.json" })]
    public void Parse_NotAJsonObject_NamesSource(string text, string source, string[] expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Parse(text, source));

        foreach (var fragment in expectedInMessage)
        {
            Assert.Contains(fragment, e.Message);
        }
    }

    [Theory]
    [InlineData(null, new[] { "not found" })]
    [InlineData("{ not json", new string[0])]
    public void Load_MissingOrBadFile_NamesPath(string? content, string[] expectedInMessage)
    {
        using var temp = new TempDirectory();
        if (content is not null)
        {
            File.WriteAllText(temp.File("config.json"), content);
        }

        var e = Assert.Throws<ConfigException>(() => ModelConfigReader.Load(temp.Path));

        Assert.Contains(temp.File("config.json"), e.Message);
        foreach (var fragment in expectedInMessage)
        {
            Assert.Contains(fragment, e.Message);
        }
    }
}
