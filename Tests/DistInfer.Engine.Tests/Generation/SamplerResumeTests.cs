using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Tests.Generation;

/// <summary>A seeded sequence resumed elsewhere after some tokens (a client whose gateway died) samples on as before.</summary>
public sealed class SamplerResumeTests
{
    [Theory]
    [InlineData(0, 1.0f)]
    [InlineData(20, 0.9f)]
    public void Next_SkippingTheDrawsOfTokensAlreadySampled_SameTokensAsTheUninterruptedSampler(int topK, float topP)
    {
        var p = new SamplingParams { Temperature = 0.9f, TopK = topK, TopP = topP, Seed = 4242 };
        var logits = Enumerable.Range(0, 40).Select(step => Enumerable.Range(0, 64).Select(i => MathF.Sin((i + 1) * (step + 3) * 0.37f) * 3).ToArray()).ToArray();
        var whole = new Sampler(p);
        var expected = logits.Select(l => whole.Next(l.ToArray(), suppressStop: false)).ToArray();

        var resumed = new Sampler(p with { RandomDrawsToSkip = 17 });
        var rest = logits[17..].Select(l => resumed.Next(l.ToArray(), suppressStop: false)).ToArray();

        Assert.Equal(expected[17..], rest);
    }

    [Fact]
    public void Validate_NegativeDrawsToSkip_ThrowsNamingIt()
    {
        var error = Assert.Throws<DistInferException>(() => new SamplingParams { RandomDrawsToSkip = -1 }.Validate());

        Assert.Contains("random draws to skip", error.Message, StringComparison.Ordinal);
    }
}
