using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>How tensor-core attention lays out its blocks (no GPU needed).</summary>
public sealed class AttentionMmaPlanTests
{
    [Theory]
    [InlineData(new[] { 3, 3, 3, 3 }, 4)]
    [InlineData(new[] { 0, 1, 2, 3 }, 1)]
    [InlineData(new[] { 5, 5, 5, 7, 7, 9 }, 2)]
    [InlineData(new[] { 1, 1, 2, 2, 1, 1 }, 2)]
    [InlineData(new int[0], 0)]
    public void MeanQueryRun_Slots_TokensOverRunsOfEqualSlots(int[] slots, int expected) =>
        Assert.Equal(expected, CudaOps.MeanQueryRun(slots));

    [Theory]
    [InlineData(4, 1, 1)]
    [InlineData(4, 37, 4)]
    [InlineData(3, 37, 5)]
    [InlineData(1, 2, 16)]
    [InlineData(8, 500, 2)]
    [InlineData(16, 500, 1)]
    [InlineData(32, 500, 1)]
    public void AttentionMmaTokens_GroupAndRun_TokensFillingSixteenRows(int group, int run, int expected)
    {
        int tokens = CudaOps.AttentionMmaTokens(group, run);
        Assert.Equal(expected, tokens);
        Assert.True(tokens * Math.Min(group, 16) <= 16);
    }

    [Fact]
    public void AttentionBlocks_MixedStep_BlocksOfOneSequenceAtMostTokensPerBlock()
    {
        // A prompt of 6 tokens in slot 3, decode tokens of slots 1 and 2, then 2 tokens of slot 3 again.
        int[] slots = [3, 3, 3, 3, 3, 3, 1, 2, 3, 3];
        var table = new int[2 * slots.Length];
        int blocks = CudaOps.AttentionBlocks(slots, 4, table);
        Assert.Equal(5, blocks);
        Assert.Equal([0, 4, 4, 2, 6, 1, 7, 1, 8, 2], table[..(2 * blocks)]);
    }

    [Fact]
    public void AttentionBlocks_OneTokenPerBlock_ABlockPerToken()
    {
        int[] slots = [0, 0, 1];
        var table = new int[6];
        Assert.Equal(3, CudaOps.AttentionBlocks(slots, 1, table));
        Assert.Equal([0, 1, 1, 1, 2, 1], table);
    }

    [Fact]
    public void Program_TensorCoreFile_AppendsTheAttentionKernels()
    {
        var program = KernelSources.Program("TensorCore.cu");
        int mma = program.IndexOf("__device__ __forceinline__ void mma_step(", StringComparison.Ordinal);
        int attention = program.IndexOf("attention_mma_impl", StringComparison.Ordinal);
        Assert.True(mma >= 0 && attention > mma, "the attention kernels use mma_step, so they must follow it");
        foreach (var hd in new[] { 32, 64, 96, 128 })
        {
            Assert.Contains($"ATTN_MMA({hd}, ", program, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("attention_mma", KernelSources.Program("Attention.cu"), StringComparison.Ordinal);
    }
}
