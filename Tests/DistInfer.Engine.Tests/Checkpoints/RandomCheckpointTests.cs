using System.Text.Json;
using System.Text.Json.Nodes;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Tests.Checkpoints;

public sealed class RandomCheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Architectures => ["llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe"];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Write_FixtureShapedOptions_ConfigEqualsTransformersConfig(string arch)
    {
        var options = FixtureOptions(arch);

        RandomCheckpoint.Write(_temp.Path, options);

        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixture(arch), "config.json")));
        var actual = JsonNode.Parse(File.ReadAllText(_temp.File("config.json")));
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected!.ToJsonString()}\nactual   {actual!.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Write_FixtureShapedOptions_TensorNamesAndShapesEqualTransformersCheckpoint(string arch)
    {
        var result = RandomCheckpoint.Write(_temp.Path, FixtureOptions(arch));

        using var expected = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture(arch), "model.safetensors"));
        using var actual = Checkpoint.Open(_temp.Path);
        Assert.Equal(expected.Names.Order(StringComparer.Ordinal), actual.Names.Order(StringComparer.Ordinal));
        foreach (var name in expected.Names)
        {
            Assert.Equal(expected.GetInfo(name).Shape, actual.GetInfo(name).Shape);
            Assert.Equal(DType.F32, actual.GetInfo(name).DType);
        }

        Assert.Equal(expected.Names.Count, result.TensorCount);
        Assert.Equal(expected.DataSectionLength, result.TensorBytes);
        Assert.Equal(["config.json", "model.safetensors"], result.Files);
    }

    [Fact]
    public void Write_SameSeed_ProducesIdenticalBytes()
    {
        var options = SmallOptions("qwen3_moe") with { Seed = 42 };
        string a = Path.Combine(_temp.Path, "a");
        string b = Path.Combine(_temp.Path, "b");
        string c = Path.Combine(_temp.Path, "c");

        RandomCheckpoint.Write(a, options);
        RandomCheckpoint.Write(b, options);
        RandomCheckpoint.Write(c, options with { Seed = 43 });

        byte[] first = File.ReadAllBytes(Path.Combine(a, "model.safetensors"));
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        Assert.NotEqual(first, File.ReadAllBytes(Path.Combine(c, "model.safetensors")));
    }

    [Fact]
    public void Write_Bf16Olmoe_NormsAreOneAndWeightsUniformWithRequestedStd()
    {
        var options = SmallOptions("olmoe") with { DType = DType.BF16, InitStd = 0.05, Vocab = 3000 };

        RandomCheckpoint.Write(_temp.Path, options);

        using var source = Checkpoint.Open(_temp.Path);
        Assert.Equal(DType.BF16, source.GetInfo("lm_head.weight").DType);
        Assert.All(source.ReadFloat32("model.layers.1.self_attn.q_norm.weight"), v => Assert.Equal(1f, v));
        Assert.All(source.ReadFloat32("model.norm.weight"), v => Assert.Equal(1f, v));
        float[] embed = source.ReadFloat32("model.embed_tokens.weight");
        float bound = (float)(0.05 * Math.Sqrt(3));
        Assert.All(embed, v => Assert.InRange(v, -bound * 1.01f, bound * 1.01f));
        double mean = embed.Average(v => (double)v);
        double std = Math.Sqrt(embed.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.049, 0.051);
        Assert.NotEqual(source.ReadFloat32("model.embed_tokens.weight")[..64], source.ReadFloat32("lm_head.weight")[..64]);
    }

    [Fact]
    public void Write_OverShardLimit_WritesShardsWithSameBytesAsSingleFile()
    {
        var options = SmallOptions("qwen2_moe") with { Seed = 9, DType = DType.BF16 };
        string single = Path.Combine(_temp.Path, "single");
        string sharded = Path.Combine(_temp.Path, "sharded");

        var singleResult = RandomCheckpoint.Write(single, options);
        var shardedResult = RandomCheckpoint.Write(sharded, options with { MaxShardBytes = singleResult.TensorBytes / 3 });

        Assert.Contains("model.safetensors.index.json", shardedResult.Files);
        Assert.True(shardedResult.Files.Count >= 5, string.Join(", ", shardedResult.Files));
        Assert.False(File.Exists(Path.Combine(sharded, "model.safetensors")));
        using var a = Checkpoint.Open(single);
        using var b = Checkpoint.Open(sharded);
        Assert.IsType<ShardedCheckpoint>(b);
        Assert.Equal(a.Names.Order(StringComparer.Ordinal), b.Names.Order(StringComparer.Ordinal));
        foreach (var name in a.Names)
        {
            Assert.True(a.GetBytes(name).SequenceEqual(b.GetBytes(name)), name);
        }
    }

    [Fact]
    public void Write_Qwen2Moe_ConfigHasMoeFieldsForTransformers()
    {
        var options = SmallOptions("qwen2_moe") with { SharedExpertFfn = 40, TopK = 3, Experts = 6 };

        RandomCheckpoint.Write(_temp.Path, options);

        using var config = JsonDocument.Parse(File.ReadAllText(_temp.File("config.json")));
        var root = config.RootElement;
        Assert.Equal("Qwen2MoeForCausalLM", root.GetProperty("architectures")[0].GetString());
        Assert.Equal(6, root.GetProperty("num_experts").GetInt32());
        Assert.Equal(3, root.GetProperty("num_experts_per_tok").GetInt32());
        Assert.Equal(40, root.GetProperty("shared_expert_intermediate_size").GetInt32());
        Assert.Equal(24, root.GetProperty("moe_intermediate_size").GetInt32());
        Assert.Equal(1e6, root.GetProperty("rope_parameters").GetProperty("rope_theta").GetDouble());
        Assert.Equal("default", root.GetProperty("rope_parameters").GetProperty("rope_type").GetString());
        Assert.Equal(2, root.GetProperty("layer_types").GetArrayLength());
        using var source = Checkpoint.Open(_temp.Path);
        Assert.Equal([40L, 32L], source.GetInfo("model.layers.0.mlp.shared_expert.gate_proj.weight").Shape);
        Assert.Equal([1L, 32L], source.GetInfo("model.layers.1.mlp.shared_expert_gate.weight").Shape);
        Assert.Equal([6L, 32L], source.GetInfo("model.layers.1.mlp.gate.weight").Shape);
    }

    [Fact]
    public void Tensors_DefaultOptions_Describe640MParameterMixtral()
    {
        var tensors = RandomCheckpoint.Tensors(new ModelInitOptions());

        Assert.Equal(640_238_592L, tensors.Sum(t => t.ElementCount));
        Assert.Equal(3 + 8 * (6 + 1 + 8 * 3), tensors.Count);
        Assert.All(tensors, t => Assert.Equal(DType.BF16, t.DType));
        Assert.Contains(tensors, t => t.Name == "model.layers.7.block_sparse_moe.experts.7.w2.weight" && t.Shape.SequenceEqual([1024L, 2816L]));
    }

    [Fact]
    public void Write_UnknownArchitecture_ThrowsNamingIt()
    {
        var e = Assert.Throws<CheckpointException>(() => RandomCheckpoint.Write(_temp.Path, new ModelInitOptions { Architecture = "gpt2" }));

        Assert.Contains("unknown architecture 'gpt2'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HeadsNotMultipleOfKvHeads_ThrowsNamingBoth()
    {
        var e = Assert.Throws<CheckpointException>(() => RandomCheckpoint.Write(_temp.Path, SmallOptions("llama") with { KvHeads = 3 }));

        Assert.Contains("heads 4 is not a multiple of kv_heads 3", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("config.json")));
    }

    private static ModelInitOptions SmallOptions(string arch) => new()
    {
        Architecture = arch, Hidden = 32, Layers = 2, Heads = 4, KvHeads = 2, Experts = 4, TopK = 2, Ffn = 24,
        Vocab = 100, DType = DType.F32,
    };

    /// <summary>The dimensions of Tests/Fixtures/hf/ARCH, written by transformers 5.17.</summary>
    private static ModelInitOptions FixtureOptions(string arch) => new()
    {
        Architecture = arch,
        Hidden = 64,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        HeadDim = arch is "llama" or "qwen3_moe" ? 16 : null,
        Experts = arch == "mixtral" ? 4 : 8,
        TopK = 2,
        Ffn = arch switch { "llama" => 128, "mixtral" => 96, _ => 48 },
        SharedExpertFfn = 80,
        DenseFfn = 96,
        Vocab = 512,
        DType = DType.F32,
        RopeTheta = arch is "llama" or "olmoe" ? 10_000 : 1_000_000,
        MaxPositionEmbeddings = 256,
    };
}
