using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Tests.Checkpoints;

/// <summary>Reads the transformers-written fixtures; expected numbers were computed with python3 from the same files.</summary>
public sealed class FixtureReadingTests
{
    [Theory]
    [InlineData("llama", 21)]
    [InlineData("mixtral", 41)]
    [InlineData("qwen2_moe", 79)]
    [InlineData("qwen3_moe", 69)]
    [InlineData("olmoe", 69)]
    public void Open_Fixture_ReadsAllTensorsAsF32WithPtMetadata(string arch, int count)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture(arch), "model.safetensors"));

        Assert.Equal(count, file.Names.Count);
        Assert.Equal("pt", file.Metadata["format"]);
        foreach (var name in file.Names)
        {
            var info = file.GetInfo(name);
            Assert.Equal(DType.F32, info.DType);
            Assert.Equal(info.ElementCount * 4, info.ByteLength);
            Assert.Equal(info.ByteLength, file.GetBytes(name).Length);
        }

        Assert.Equal([512L, 64L], file.GetInfo("lm_head.weight").Shape);
        Assert.Equal([32L, 64L], file.GetInfo("model.layers.1.self_attn.k_proj.weight").Shape);
    }

    [Theory]
    [InlineData("llama", -0.07070774585008621, 0.27545166015625, 0.12482062727212906, -72.6191329498397)]
    [InlineData("mixtral", -0.09998713433742523, 0.07306650280952454, -0.02586771361529827, -36.59059191280403)]
    [InlineData("qwen2_moe", 0.10733866691589355, 0.04780367761850357, 0.10173045843839645, 47.4990139679403)]
    [InlineData("qwen3_moe", -0.23531608283519745, -0.21921539306640625, 0.023008404299616814, 50.34006233019795)]
    [InlineData("olmoe", 0.05893600732088089, 0.02997969090938568, 0.07223527133464813, 20.991672964897134)]
    public void ReadFloat32_FixtureLmHead_MatchesPythonValues(string arch, double first, double second, double last, double sum)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture(arch), "model.safetensors"));

        float[] values = file.ReadFloat32("lm_head.weight");

        Assert.Equal(512 * 64, values.Length);
        Assert.Equal((float)first, values[0]);
        Assert.Equal((float)second, values[1]);
        Assert.Equal((float)last, values[^1]);
        Assert.Equal(sum, Sum(values), 1e-6);
    }

    [Fact]
    public void Open_Qwen2MoeFixture_ReadsBiasesAndSharedExpertGate()
    {
        using var file = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture("qwen2_moe"), "model.safetensors"));

        float[] bias = file.ReadFloat32("model.layers.0.self_attn.q_proj.bias");

        Assert.Equal([64L], file.GetInfo("model.layers.0.self_attn.q_proj.bias").Shape);
        Assert.Equal(-0.23135748505592346f, bias[0]);
        Assert.Equal(2.0926324038300663, Sum(bias), 1e-6);
        Assert.Equal([1L, 64L], file.GetInfo("model.layers.1.mlp.shared_expert_gate.weight").Shape);
    }

    [Fact]
    public void Open_FixtureReference_ReadsInt64InputIdsAndEmptyMetadata()
    {
        using var file = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture("llama"), "reference.safetensors"));

        long[] ids = file.ReadInt64("input_ids");
        float[] asFloat = file.ReadFloat32("input_ids");

        Assert.Empty(file.Metadata);
        Assert.Equal(DType.I64, file.GetInfo("input_ids").DType);
        Assert.Equal([175L, 196L, 25L, 502L, 67L], ids[..5]);
        Assert.Equal(444L, ids[^1]);
        Assert.Equal(7791L, ids.Sum());
        Assert.Equal(175f, asFloat[0]);
        Assert.Equal([2L, 28L], file.GetInfo("greedy_ids").Shape);
    }

    [Fact]
    public void ReadFloat32_DemoModelBf16_WidensToPythonValues()
    {
        using var source = Checkpoint.Open(RepoPaths.DemoModel);

        float[] embed = source.ReadFloat32("model.embed_tokens.weight");
        float[] w2 = source.ReadFloat32("model.layers.3.block_sparse_moe.experts.7.w2.weight");
        float[] norm = source.ReadFloat32("model.norm.weight");

        Assert.Equal(127, source.Names.Count);
        Assert.Equal(DType.BF16, source.GetInfo("model.embed_tokens.weight").DType);
        Assert.Equal([4096L, 192L], source.GetInfo("model.embed_tokens.weight").Shape);
        Assert.Equal([0.134765625f, -0.09033203125f, -0.0888671875f, -0.134765625f], embed[..4]);
        Assert.Equal(-0.061279296875f, embed[^1]);
        Assert.Equal(204.26287282723933, Sum(embed), 1e-6);
        Assert.Equal([0.00182342529296875f, 0.140625f, 0.00946044921875f, 0.06787109375f], w2[..4]);
        Assert.Equal(11.618650890886784, Sum(w2), 1e-6);
        Assert.Equal(651.1796875, Sum(norm), 1e-9);
    }

    [Fact]
    public void Open_DemoModelDirectory_UsesSingleFileAndMatchesRandomLayout()
    {
        using var source = Checkpoint.Open(RepoPaths.DemoModel);
        var expected = RandomCheckpoint.Tensors(new ModelInitOptions
        {
            Architecture = "mixtral", Hidden = 192, Layers = 4, Heads = 6, KvHeads = 2, Experts = 8, TopK = 2,
            Ffn = 384, Vocab = 4096,
        });

        Assert.IsType<SafeTensorsFile>(source);
        Assert.Equal(expected.Select(t => t.Name).Order(StringComparer.Ordinal), source.Names.Order(StringComparer.Ordinal));
        foreach (var spec in expected)
        {
            Assert.Equal(spec.Shape, source.GetInfo(spec.Name).Shape);
        }
    }

    private static double Sum(float[] values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }

        return sum;
    }
}
