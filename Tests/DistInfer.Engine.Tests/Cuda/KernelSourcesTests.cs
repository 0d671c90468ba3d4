using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

public sealed class KernelSourcesTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in KernelSources.Files)
        {
            data.Add(f);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Read_EveryKernelFile_IsEmbeddedWithKernels(string file)
    {
        var source = KernelSources.Read(file);
        Assert.Contains("extern \"C\" __global__", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Program_AnyFile_StartsWithTheCommonHeader()
    {
        var program = KernelSources.Program("Moe.cu");
        int header = program.IndexOf("typedef unsigned short bf16_t", StringComparison.Ordinal);
        int kernel = program.IndexOf("router_topk", StringComparison.Ordinal);
        Assert.True(header >= 0 && kernel > header, "the common header must precede the kernels");
    }

    [Fact]
    public void Read_UnknownFile_ThrowsNamingIt()
    {
        var ex = Assert.Throws<CudaException>(() => KernelSources.Read("Missing.cu"));
        Assert.Contains("Missing.cu", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Elementwise.cu", "rmsnorm_##SUF")]
    [InlineData("Elementwise.cu", "argmax_advance")]
    [InlineData("Attention.cu", "qkv_prep_##SUF")]
    [InlineData("Attention.cu", "attention_g##G##_n##NPL##_##SUF")]
    [InlineData("Moe.cu", "router_norm_fused_##SUF")]
    [InlineData("Gemv.cu", "gemv_qkv_rope_##SUF")]
    [InlineData("Elementwise.cu", "fill_random_f32")]
    [InlineData("Moe.cu", "moe_combine_bf16")]
    [InlineData("Gemv.cu", "moe_gateup_##SUF")]
    [InlineData("Gemv.cu", "gemv_gateup_##SUF")]
    [InlineData("Gemv.cu", "moe_gateup_table_##SUF")]
    [InlineData("Gemv.cu", "moe_down_table_##SUF")]
    [InlineData("TensorCore.cu", "tc_linear_serial")]
    [InlineData("TensorCore.cu", "tc_linear_split")]
    [InlineData("TensorCore.cu", "tc_gateup_serial")]
    [InlineData("TensorCore.cu", "tc_gateup_split")]
    public void Read_KernelTheOpsLaunch_IsDefined(string file, string name)
    {
        Assert.Contains(name, KernelSources.Read(file), StringComparison.Ordinal);
    }
}
