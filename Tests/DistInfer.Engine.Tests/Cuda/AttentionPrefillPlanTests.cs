using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>How prefill attention's blocks are chosen (no GPU needed): queries per block and a step's run length.</summary>
public sealed class AttentionPrefillPlanTests
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
    [InlineData(1, 1, 8)]
    [InlineData(1, 8, 4)]
    [InlineData(2, 2, 8)]
    [InlineData(2, 8, 2)]
    [InlineData(4, 2, 4)]
    [InlineData(4, 4, 2)]
    [InlineData(4, 8, 1)]
    [InlineData(8, 2, 2)]
    [InlineData(8, 4, 1)]
    public void PrefillQueries_HeadsPerGroupAndLaneWidth_FitsSixteenHeadsAnd32Accumulators(int g, int npl, int expected)
    {
        int q = CudaOps.PrefillQueries(g, npl);
        Assert.Equal(expected, q);
        Assert.True(q == 1 || (q * g <= 16 && q * g * npl <= 32));
    }

    [Fact]
    public void PrefillQueries_EveryChoice_HasAKernelInTheSource()
    {
        var source = KernelSources.Read("AttentionPrefill.cuh");
        foreach (var g in new[] { 1, 2, 4, 8 })
        {
            foreach (var npl in new[] { 1, 2, 4, 8 })
            {
                int q = CudaOps.PrefillQueries(g, npl);
                if (q > 1)
                {
                    Assert.Contains($"ATTNQ(SUF, A, {g}, {npl}, {q})", source, StringComparison.Ordinal);
                }
            }
        }
    }
}
