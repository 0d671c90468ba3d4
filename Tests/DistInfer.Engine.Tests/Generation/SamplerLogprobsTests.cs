using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Tests.Generation;

public sealed class SamplerLogprobsTests
{
    private static double[] Reference(float[] logits)
    {
        var max = logits.Max();
        var sum = logits.Sum(v => Math.Exp(v - max));
        return [.. logits.Select(v => v - max - Math.Log(sum))];
    }

    private static float[] RandomLogits(int n, int seed)
    {
        var random = new Random(seed);
        var logits = new float[n];
        for (var i = 0; i < n; i++)
        {
            logits[i] = (float)(random.NextDouble() * 20 - 10);
        }

        return logits;
    }

    [Fact]
    public void Sample_NoTopLogprobs_ChosenTokensLogSoftmaxAndNoAlternatives()
    {
        var logits = RandomLogits(1000, 1);
        var expected = Reference(logits);

        var sampled = new Sampler(SamplingParams.Greedy(4)).Sample(logits.ToArray(), suppressStop: false);

        Assert.Null(sampled.TopLogprobs);
        Assert.Equal(Array.IndexOf(logits, logits.Max()), sampled.TokenId);
        Assert.InRange(sampled.LogProbability, expected[sampled.TokenId] - 1e-6, expected[sampled.TokenId] + 1e-6);
    }

    [Fact]
    public void Sample_TopLogprobsWithTemperature_BestFirstFromTheRawDistribution()
    {
        var logits = RandomLogits(50_000, 2);
        var expected = Reference(logits);
        var best = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(7).ToArray();
        var sampler = new Sampler(new SamplingParams { Temperature = 1.7f, TopP = 0.9f, Seed = 3, TopLogprobs = 7 });

        for (var draw = 0; draw < 20; draw++)
        {
            var sampled = sampler.Sample(logits.ToArray(), suppressStop: false);

            Assert.InRange(sampled.LogProbability, expected[sampled.TokenId] - 1e-5, expected[sampled.TokenId] + 1e-5);
            Assert.Equal(best, sampled.TopLogprobs!.Select(t => t.TokenId));
            Assert.All(sampled.TopLogprobs!, t => Assert.InRange(t.LogProbability, expected[t.TokenId] - 1e-5, expected[t.TokenId] + 1e-5));
        }
    }

    [Fact]
    public void Sample_EqualLogits_AlternativesTieByLowerId()
    {
        float[] logits = [1f, 3f, 3f, 0f, 3f, 2f];

        var sampled = new Sampler(new SamplingParams { TopLogprobs = 4 }).Sample(logits, suppressStop: false);

        Assert.Equal([1, 2, 4, 5], sampled.TopLogprobs!.Select(t => t.TokenId));
        Assert.Equal(1, sampled.TokenId);
        Assert.Equal(sampled.LogProbability, sampled.TopLogprobs![0].LogProbability);
    }

    [Fact]
    public void Sample_MoreAlternativesThanVocabulary_ListsTheWholeVocabulary()
    {
        float[] logits = [0f, 2f, 1f];

        var sampled = new Sampler(new SamplingParams { TopLogprobs = 5 }).Sample(logits, suppressStop: false);

        Assert.Equal([1, 2, 0], sampled.TopLogprobs!.Select(t => t.TokenId));
        Assert.InRange(sampled.TopLogprobs!.Sum(t => Math.Exp(t.LogProbability)), 1 - 1e-6, 1 + 1e-6);
    }

    [Fact]
    public void Sample_StopSuppressed_ValuesStillFromTheUnsuppressedLogits()
    {
        float[] logits = [5f, 1f, 0f];
        var expected = Reference(logits);

        var sampled = new Sampler(new SamplingParams { StopTokenIds = [0], TopLogprobs = 2 }).Sample(logits.ToArray(), suppressStop: true);

        Assert.Equal(1, sampled.TokenId);
        Assert.InRange(sampled.LogProbability, expected[1] - 1e-6, expected[1] + 1e-6);
        Assert.Equal([0, 1], sampled.TopLogprobs!.Select(t => t.TokenId));
    }

    [Fact]
    public void LogSumExp_LargeVocabulary_MatchesDoubleReference()
    {
        var logits = RandomLogits(151_936, 4);
        var max = logits.Max();
        var expected = max + Math.Log(logits.Sum(v => Math.Exp(v - max)));

        Assert.InRange(LogSoftmax.LogSumExp(logits), expected - 1e-6, expected + 1e-6);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public void Validate_TopLogprobsOutOfRange_ThrowsNamingTheField(int top)
    {
        var e = Assert.Throws<DistInferException>(() => new SamplingParams { TopLogprobs = top }.Validate());

        Assert.Contains("top_logprobs", e.Message, StringComparison.Ordinal);
    }
}
