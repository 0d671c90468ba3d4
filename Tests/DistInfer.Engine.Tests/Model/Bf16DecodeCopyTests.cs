using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

/// <summary>
/// bf16 decode copies of a bf16 checkpoint (the demo MoE) change bytes read, not results: the same greedy tokens
/// and logits within fp32 summation-order noise. fp32 checkpoints (the fixtures) get no copies at all.
/// </summary>
public sealed class Bf16DecodeCopyTests
{
    [Fact]
    public void Load_Bf16CheckpointWithCopies_SameGreedyTokensAndLogits()
    {
        var plain = TransformerModel.Load(RepoPaths.DemoModel, Gemm.Managed, precision: ActivationPrecision.Float32, bf16DecodeCopies: false);
        var copied = TransformerModel.Load(RepoPaths.DemoModel, Gemm.Managed, precision: ActivationPrecision.Float32, bf16DecodeCopies: true);
        Assert.All(copied.Weights.LinearLayers(), w => Assert.NotNull(w.Bf16Weight));
        Assert.All(plain.Weights.LinearLayers(), w => Assert.Null(w.Bf16Weight));

        int[] prompt = [5, 17, 300, 42, 7, 1000];
        var parameters = new SamplingParams { MaxNewTokens = 12, MinNewTokens = 12 };
        var expected = new Generator(plain).Generate([prompt], parameters)[0].GeneratedIds;
        var actual = new Generator(copied).Generate([prompt], parameters)[0].GeneratedIds;
        Assert.Equal(expected, actual);

        var a = plain.Forward(new BatchLayout([plain.CreateCache()], [prompt.Length]), prompt, allPositions: false);
        var b = copied.Forward(new BatchLayout([copied.CreateCache()], [prompt.Length]), prompt, allPositions: false);
        var a2 = plain.Forward(new BatchLayout([plain.CreateCache()], [1]), [9], allPositions: false);
        var b2 = copied.Forward(new BatchLayout([copied.CreateCache()], [1]), [9], allPositions: false);
        AssertClose(a, b, "prefill");
        AssertClose(a2, b2, "decode step");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        var diff = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(diff <= 1e-4 * scale, $"{what}: logits differ by {diff}, scale {scale}");
    }

    [Fact]
    public void KeepBf16DecodeCopies_Fp32Fixture_KeepsNone()
    {
        var model = TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Managed, bf16DecodeCopies: true);
        Assert.All(model.Weights.LinearLayers(), w => Assert.Null(w.Bf16Weight));
    }
}
