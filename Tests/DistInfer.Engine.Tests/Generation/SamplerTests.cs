using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Tests.Generation;

public sealed class SamplerTests
{
    private static readonly float[] Logits = [2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f];

    [Fact]
    public void Next_Greedy_ReturnsArgMax()
    {
        var sampler = new Sampler(SamplingParams.Greedy(4));

        Assert.Equal(0, sampler.Next(Logits.ToArray(), suppressStop: false));
        Assert.Equal(3, sampler.Next(new[] { 0f, 1f, 2f, 5f, 4f }, suppressStop: false));
    }

    [Fact]
    public void Next_SameSeed_SameTokens()
    {
        var p = new SamplingParams { Temperature = 2f, Seed = 1234 };

        Assert.Equal(Draw(new Sampler(p), 200), Draw(new Sampler(p), 200));
    }

    [Fact]
    public void Next_DifferentSeeds_DifferentTokens()
    {
        var a = Draw(new Sampler(new SamplingParams { Temperature = 2f, Seed = 1 }), 200);
        var b = Draw(new Sampler(new SamplingParams { Temperature = 2f, Seed = 2 }), 200);

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Next_TopKOne_EqualsGreedy()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 50; trial++)
        {
            var logits = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() * 4)).ToArray();
            var sampler = new Sampler(new SamplingParams { Temperature = 3f, TopK = 1, Seed = (ulong)trial });

            Assert.Equal(ArgMax(logits), sampler.Next(logits.ToArray(), suppressStop: false));
        }
    }

    [Fact]
    public void Next_TinyTopP_EqualsGreedy()
    {
        var random = new Random(6);
        for (var trial = 0; trial < 50; trial++)
        {
            var logits = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() * 4)).ToArray();
            var sampler = new Sampler(new SamplingParams { Temperature = 3f, TopP = 1e-6f, Seed = (ulong)trial });

            Assert.Equal(ArgMax(logits), sampler.Next(logits.ToArray(), suppressStop: false));
        }
    }

    [Fact]
    public void Next_Temperature_FrequenciesFollowSoftmax()
    {
        const float temperature = 0.8f;
        const int draws = 40000;
        var expected = Softmax(Logits, temperature);
        var counts = Count(new Sampler(new SamplingParams { Temperature = temperature, Seed = 99 }), draws);

        // Chi-square with 5 degrees of freedom: 30 is far past the 0.9999 quantile (25.7), yet a wrong
        // temperature or an off-by-one in the cumulative walk gives thousands.
        var chi = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i] * draws;
            chi += (counts[i] - e) * (counts[i] - e) / e;
        }

        Assert.True(chi < 30, $"chi-square {chi:F1}; counts {string.Join(", ", counts)}");
    }

    [Fact]
    public void Next_TopK_OnlyTopTokensInRenormalisedProportion()
    {
        const int draws = 20000;
        var counts = Count(new Sampler(new SamplingParams { Temperature = 1f, TopK = 2, Seed = 3 }), draws);

        Assert.Equal(draws, counts[0] + counts[1]);
        var p0 = Math.Exp(2.0) / (Math.Exp(2.0) + Math.Exp(1.0));
        Assert.InRange(counts[0] / (double)draws, p0 - 0.02, p0 + 0.02);
    }

    [Fact]
    public void Next_TopP_KeepsSmallestSetReachingMass()
    {
        // Probabilities 0.5, 0.3, 0.1, 0.1: top_p 0.7 keeps the first two.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.1f), MathF.Log(0.1f)];
        var sampler = new Sampler(new SamplingParams { Temperature = 1f, TopP = 0.7f, Seed = 8 });
        var counts = new int[4];
        for (var i = 0; i < 10000; i++)
        {
            counts[sampler.Next(logits.ToArray(), suppressStop: false)]++;
        }

        Assert.Equal(0, counts[2] + counts[3]);
        Assert.InRange(counts[0] / 10000.0, 0.625 - 0.02, 0.625 + 0.02);
    }

    [Fact]
    public void Next_TopKThenTopP_TopPMeasuredOnTopKRenormalised()
    {
        // As transformers applies them: top-k 2 leaves 0.5 and 0.3, renormalised 0.625 and 0.375, so top_p 0.6
        // keeps only the first token (on the unrenormalised mass it would keep both).
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.1f), MathF.Log(0.1f)];
        var sampler = new Sampler(new SamplingParams { Temperature = 1f, TopK = 2, TopP = 0.6f, Seed = 4 });

        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(0, sampler.Next(logits.ToArray(), suppressStop: false));
        }
    }

    [Fact]
    public void Next_SuppressStop_NeverPicksStopToken()
    {
        var greedy = new Sampler(new SamplingParams { StopTokenIds = [0] });
        var sampled = new Sampler(new SamplingParams { Temperature = 1f, Seed = 5, StopTokenIds = [0, 1] });

        Assert.Equal(0, greedy.Next(Logits.ToArray(), suppressStop: false));
        Assert.Equal(1, greedy.Next(Logits.ToArray(), suppressStop: true));
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(sampled.Next(Logits.ToArray(), suppressStop: true) > 1);
        }
    }

    private static int[] Draw(Sampler sampler, int n) =>
        Enumerable.Range(0, n).Select(_ => sampler.Next(Logits.ToArray(), suppressStop: false)).ToArray();

    private static int[] Count(Sampler sampler, int n)
    {
        var counts = new int[Logits.Length];
        for (var i = 0; i < n; i++)
        {
            counts[sampler.Next(Logits.ToArray(), suppressStop: false)]++;
        }

        return counts;
    }

    private static double[] Softmax(float[] logits, float temperature)
    {
        var max = logits.Max();
        var e = logits.Select(x => Math.Exp((x - max) / temperature)).ToArray();
        var sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    private static int ArgMax(float[] x) => Array.IndexOf(x, x.Max());
}
