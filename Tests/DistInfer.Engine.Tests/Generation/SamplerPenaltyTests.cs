using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Tests.Generation;

/// <summary>min_p and repetition_penalty as vLLM and transformers define them.</summary>
public sealed class SamplerPenaltyTests
{
    // Probabilities 0.5, 0.25, 0.15, 0.1.
    private static readonly float[] Logits = [MathF.Log(0.5f), MathF.Log(0.25f), MathF.Log(0.15f), MathF.Log(0.1f)];

    [Fact]
    public void Next_MinP_DropsTokensBelowMinPTimesTheMostLikelyAndKeepsTheRestInProportion()
    {
        // min_p 0.25: the threshold is 0.125, so 0.1 goes; the rest renormalised to 0.5/0.9, 0.25/0.9, 0.15/0.9.
        const int draws = 30000;
        var sampler = new Sampler(new SamplingParams { Temperature = 1f, MinP = 0.25f, Seed = 11 });
        var counts = new int[Logits.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[sampler.Next(Logits.ToArray(), suppressStop: false)]++;
        }

        Assert.Equal(0, counts[3]);
        Assert.InRange(counts[0] / (double)draws, (0.5 / 0.9) - 0.015, (0.5 / 0.9) + 0.015);
        Assert.InRange(counts[2] / (double)draws, (0.15 / 0.9) - 0.015, (0.15 / 0.9) + 0.015);
    }

    [Fact]
    public void Next_MinPAfterTemperature_ThresholdOnTheScaledDistribution()
    {
        // Temperature 0.5 squares the ratios: 0.25/0.5 becomes 0.25, below min_p 0.3 (at temperature 1 it was 0.5).
        var sampler = new Sampler(new SamplingParams { Temperature = 0.5f, MinP = 0.3f, Seed = 12 });

        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(0, sampler.Next(Logits.ToArray(), suppressStop: false));
        }
    }

    [Fact]
    public void Next_MinPWithTopK_KeepsWhatBothKeep()
    {
        var sampler = new Sampler(new SamplingParams { Temperature = 1f, MinP = 0.25f, TopK = 3, Seed = 13 });
        var seen = new HashSet<int>();
        for (var i = 0; i < 5000; i++)
        {
            seen.Add(sampler.Next(Logits.ToArray(), suppressStop: false));
        }

        Assert.Equal([0, 1, 2], seen.Order());
    }

    [Fact]
    public void Next_RepetitionPenaltyOnPromptToken_GreedyPrefersAnother()
    {
        // 2.0 / 1.5 = 1.33 falls below 1.9; a negative logit is multiplied: -1 * 1.5 = -1.5 falls below -1.2.
        var positive = new Sampler(new SamplingParams { RepetitionPenalty = 1.5f }, promptIds: [0, 0, 7]);
        var negative = new Sampler(new SamplingParams { RepetitionPenalty = 1.5f }, promptIds: [0]);
        var unpenalised = new Sampler(new SamplingParams(), promptIds: [0]);

        Assert.Equal(1, positive.Next(new[] { 2.0f, 1.9f, 0f }, suppressStop: false));
        Assert.Equal(1, negative.Next(new[] { -1.0f, -1.2f, -5f }, suppressStop: false));
        Assert.Equal(0, unpenalised.Next(new[] { 2.0f, 1.9f, 0f }, suppressStop: false));
    }

    [Fact]
    public void Next_RepetitionPenalty_GeneratedTokensCountToo()
    {
        var sampler = new Sampler(new SamplingParams { RepetitionPenalty = 1.5f }, promptIds: [2]);

        Assert.Equal(0, sampler.Next(new[] { 2.0f, 1.9f, 0f }, suppressStop: false));
        Assert.Equal(1, sampler.Next(new[] { 2.0f, 1.9f, 0f }, suppressStop: false));
        // Every seen one penalised (1.33, 1.27, 1.0): the unseen 1.4 wins.
        Assert.Equal(3, sampler.Next(new[] { 2.0f, 1.9f, 1.5f, 1.4f }, suppressStop: false));
    }

    [Fact]
    public void Next_RepetitionPenaltyBelowOne_FavoursSeenTokens()
    {
        var sampler = new Sampler(new SamplingParams { RepetitionPenalty = 0.5f }, promptIds: [1]);

        Assert.Equal(1, sampler.Next(new[] { 2.0f, 1.9f, 0f }, suppressStop: false));
    }

    [Fact]
    public void Next_RepetitionPenaltyWhenSampling_ShiftsTheDistribution()
    {
        // Every token seen in the prompt: the logits ln p (all negative) double, so the probabilities go as p².
        const int draws = 30000;
        var sampler = new Sampler(new SamplingParams { Temperature = 1f, RepetitionPenalty = 2f, Seed = 14 }, promptIds: [0, 1, 2, 3]);
        var counts = new int[Logits.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[sampler.Next(Logits.ToArray(), suppressStop: false)]++;
        }

        var expected = 0.25 / (0.25 + 0.0625 + 0.0225 + 0.01);
        Assert.InRange(counts[0] / (double)draws, expected - 0.015, expected + 0.015);
    }

    [Fact]
    public void Sample_RepetitionPenalty_LogprobsAndLogitsStayRaw()
    {
        var sampler = new Sampler(new SamplingParams { RepetitionPenalty = 1.5f, TopLogprobs = 2 }, promptIds: [0]);
        float[] logits = [2.0f, 1.9f, 0f];
        var raw = logits.ToArray();
        var logSumExp = Math.Log(raw.Sum(x => Math.Exp(x)));

        var sampled = sampler.Sample(logits, suppressStop: false);

        Assert.Equal(1, sampled.TokenId);
        Assert.Equal(raw[1] - logSumExp, sampled.LogProbability, 5);
        Assert.Equal(0, sampled.TopLogprobs![0].TokenId);
        Assert.Equal(raw, logits);
    }
}
