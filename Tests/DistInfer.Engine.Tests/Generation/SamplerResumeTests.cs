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

    /// <summary>n choices get seeds s, s+1, ...: for s = -1, -3 or int.MaxValue some of them drew the same numbers.</summary>
    [Theory]
    [InlineData(-1L)]
    [InlineData(-3L)]
    [InlineData(2147483647L)]
    [InlineData(2147483646L)]
    [InlineData(0L)]
    public void SeedFor_ConsecutiveSeedsOfOneRequest_DistinctStreams(long seed)
    {
        var firstDraws = Enumerable.Range(0, 6)
            .Select(k => new Random(Sampler.SeedFor(unchecked((ulong)seed + (ulong)k), 0)).NextDouble())
            .ToList();

        Assert.Equal(6, firstDraws.Distinct().Count());
    }

    [Fact]
    public void Validate_NegativeDrawsToSkip_ThrowsNamingIt()
    {
        var error = Assert.Throws<DistInferException>(() => new SamplingParams { RandomDrawsToSkip = -1 }.Validate());

        Assert.Contains("random draws to skip", error.Message, StringComparison.Ordinal);
    }
}
