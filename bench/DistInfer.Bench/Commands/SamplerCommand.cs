using System.Numerics.Tensors;
using DistInfer.Engine.Generation;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `sampler`: what choosing one token costs per sequence and step, with and without log-probabilities: greedy
/// argmax alone, the chosen token's log-probability (vectorised log-sum-exp) and N alternatives (heap top-k), against
/// the scalar double log-softmax the batcher used before, all in one run.
/// </summary>
internal sealed class SamplerCommand : IBenchCommand
{
    public string Name => "sampler";

    public string Summary => "per-token cost of sampling with log-probabilities and top-N alternatives";

    public string Usage => "           [--vocab 32000,151936] [--top 0,5,20] [--runs 200]";

    public int Run(BenchArgs args)
    {
        int[] vocabs = args.IntList("vocab", [32000, 151936]);
        int[] tops = args.IntList("top", [0, 5, 20]);
        int runs = args.Int("runs", 200);
        args.RejectUnknown();
        Console.WriteLine($"date {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} processors, .NET {Environment.Version}");
        Console.WriteLine($"{"vocab",7} {"what",-34} {"best µs",9} {"median µs",10}");
        foreach (var vocab in vocabs)
        {
            var random = new Random(vocab);
            var logits = new float[vocab];
            for (var i = 0; i < vocab; i++)
            {
                logits[i] = (float)(random.NextDouble() * 20 - 10);
            }

            var row = new float[vocab];
            var sink = 0.0;
            var greedy = new Sampler(SamplingParams.Greedy(1));
            Print(vocab, "argmax only (Next)", Measure.Run(() => { logits.CopyTo(row, 0); sink += greedy.Next(row, false); }, runs));
            Print(vocab, "argmax + scalar double log-softmax", Measure.Run(() => { logits.CopyTo(row, 0); var t = greedy.Next(row, false); sink += ScalarLogSoftmaxAt(row, t); }, runs));
            foreach (var top in tops)
            {
                var sampler = new Sampler(new SamplingParams { TopLogprobs = top });
                Print(vocab, $"Sample, logprob + top {top}", Measure.Run(() => { logits.CopyTo(row, 0); sink += sampler.Sample(row, false).LogProbability; }, runs));
            }

            var tempered = new Sampler(new SamplingParams { Temperature = 0.8f, TopP = 0.95f, Seed = 1, TopLogprobs = 5 });
            Print(vocab, "Sample, T 0.8 top-p 0.95, top 5", Measure.Run(() => { logits.CopyTo(row, 0); sink += tempered.Sample(row, false).LogProbability; }, runs));
            GC.KeepAlive(sink);
        }

        return 0;
    }

    private static void Print(int vocab, string what, Measure.Timing t) =>
        Console.WriteLine($"{vocab,7} {what,-34} {t.BestSeconds * 1e6,9:F1} {t.MedianSeconds * 1e6,10:F1}");

    // What ContinuousBatcher computed per token before Sampler.Sample: the baseline of the comparison.
    private static double ScalarLogSoftmaxAt(ReadOnlySpan<float> logits, int token)
    {
        var max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (var v in logits)
        {
            sum += Math.Exp(v - max);
        }

        return logits[token] - max - Math.Log(sum);
    }
}
