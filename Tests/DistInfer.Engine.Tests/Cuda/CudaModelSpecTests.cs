using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

public sealed class CudaModelSpecTests
{
    [Fact]
    public void FromModelConfig_Qwen2Moe_KeepsSharedExpertAndBias()
    {
        var s = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(RepoPaths.Fixture("qwen2_moe")));
        Assert.Equal(8, s.Experts);
        Assert.Equal(48, s.MoeIntermediate);
        Assert.Equal(80, s.SharedExpertIntermediate);
        Assert.True(s.QkvBias);
        Assert.True(s.IsMoeLayer(0));
    }

    [Theory]
    [InlineData("qwen3_moe", QkNormKind.PerHead)]
    [InlineData("olmoe", QkNormKind.FullWidth)]
    [InlineData("mixtral", QkNormKind.None)]
    public void FromModelConfig_Fixture_QkNormKind(string name, QkNormKind expected)
    {
        Assert.Equal(expected, CudaModelSpec.FromModelConfig(ModelConfigReader.Load(RepoPaths.Fixture(name))).QkNorm);
    }

    [Fact]
    public void FromModelConfig_Llama_HasNoMoeLayers()
    {
        var s = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(RepoPaths.Fixture("llama")));
        Assert.False(s.IsMoeLayer(0));
        Assert.Equal(128, s.Intermediate);
    }

    [Fact]
    public void FromModelConfig_Mixtral_UsesBlockSparseNames()
    {
        var s = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(RepoPaths.Fixture("mixtral")));
        Assert.Equal("model.layers.1.block_sparse_moe", s.MoePrefix(1));
        Assert.Equal(("w1", "w3", "w2"), s.ExpertNames);
        Assert.True(s.NormTopKProb);
    }

    [Fact]
    public void BenchmarkMixtral_Parameters_About640M()
    {
        var s = CudaModelSpec.BenchmarkMixtral();
        long h = s.Hidden;
        long perLayer = (s.Heads + 2L * s.KvHeads) * s.HeadDim * h + h * s.Heads * s.HeadDim + s.Experts * h
            + s.Experts * 3L * s.MoeIntermediate * h + 2 * h;
        long total = 2L * s.Vocab * h + s.Layers * perLayer + h;
        Assert.InRange(total, 640_000_000, 640_500_000);
    }
}
