using DistInfer.Engine.Generation;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Generation;

/// <summary>The sampler's selection and sort give the token a plain full sort (probability desc, id asc) gives.</summary>
public sealed class SamplerOrderTests
{
    [Theory]
    [InlineData(0, 1.0f)]
    [InlineData(5, 1.0f)]
    [InlineData(40, 0.9f)]
    [InlineData(0, 0.7f)]
    [InlineData(200, 1.0f)]
    public void Next_ManyDrawsWithTies_SameTokensAsFullSortReference(int topK, float topP)
    {
        var random = new Random(11);
        var p = new SamplingParams { Temperature = 0.8f, TopK = topK, TopP = topP, Seed = 99 };
        var sampler = new Sampler(p);
        var reference = new Random(Sampler.SeedFor(99, 0));
        for (var draw = 0; draw < 300; draw++)
        {
            // Coarse logits make many exact ties, which is where an unstable sort would differ.
            var logits = new float[100];
            for (var i = 0; i < logits.Length; i++)
            {
                logits[i] = random.Next(-8, 8) * 0.5f;
            }

            var expected = ReferenceSample(logits, p, reference);
            Assert.Equal(expected, sampler.Next(logits.ToArray(), suppressStop: false));
        }
    }

    private static int ReferenceSample(float[] logits, SamplingParams p, Random random)
    {
        var probs = logits.Select(l => l / p.Temperature).ToArray();
        Ops.Softmax(probs);
        var order = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ThenBy(i => i).ToArray();
        var keep = p.TopK > 0 ? Math.Min(p.TopK, order.Length) : order.Length;
        if (p.TopP < 1f)
        {
            var kept = order.Take(keep).Sum(i => (double)probs[i]);
            var cumulative = 0.0;
            for (var i = 0; i < keep; i++)
            {
                cumulative += probs[order[i]];
                if (cumulative >= p.TopP * kept)
                {
                    keep = i + 1;
                    break;
                }
            }
        }

        var target = random.NextDouble() * order.Take(keep).Sum(i => (double)probs[i]);
        for (var i = 0; i < keep; i++)
        {
            target -= probs[order[i]];
            if (target <= 0)
            {
                return order[i];
            }
        }

        return order[keep - 1];
    }
}
