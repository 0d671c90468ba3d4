using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains.Compute;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class LocalExpertsTests
{
    [Fact]
    public void Unregister_AnEarlierActivationsEntry_KeepsTheNewerOne()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var weights = TransformerModel.Load(checkpoint.Path, Gemm.Default).Weights.Layers[0]!.Moe!.Experts[0]!;
        var local = new LocalExperts();
        var old = local.Register("m/0/0/0", weights, bf16: false);
        var current = local.Register("m/0/0/0", weights, bf16: false);

        local.Unregister("m/0/0/0", old);

        Assert.Same(current, local.Find("m/0/0/0"));
        local.Unregister("m/0/0/0", current);
        Assert.Null(local.Find("m/0/0/0"));
    }

    [Fact]
    public void Forward_Block_EqualsTheWeightsOwnProductAndCountsOneCall()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var weights = model.Weights.Layers[0]!.Moe!.Experts[1]!;
        var h = model.Config.HiddenSize;
        var block = Enumerable.Range(0, 3 * h).Select(i => MathF.Cos(i * 0.1f)).ToArray();
        var expected = new float[3 * h];
        weights.Forward(Gemm.Default, block, 3, expected);
        var expert = new LocalExperts().Register("m/0/1/0", weights, bf16: false);

        var output = new float[3 * h];
        expert.Forward(block, 3, output);

        Assert.Equal(expected, output);
        Assert.Equal((3L, 1L), (expert.Tokens, expert.Calls));
    }
}
