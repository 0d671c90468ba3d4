using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `decode-sweep`: only the products of one batch-1 decode step of the 640M Mixtral shape (per layer fused q/k/v,
/// o, and two experts' gate/up and down; then the head), back to back over weights far larger than the caches,
/// in fp32 and in bf16. Separates the kernels and their hand-offs from the rest of the engine.
/// </summary>
internal sealed class DecodeSweepCommand : IBenchCommand
{
    public string Name => "decode-sweep";

    public string Summary => "the linear products of one batch-1 decode step (640M Mixtral shape) back to back: GB/s in fp32 and bf16";

    public string Usage => "           [--threads N] [--runs 21] [--mib 1024]";

    public int Run(BenchArgs args)
    {
        var threads = args.Int("threads", 0);
        var runs = args.Int("runs", 21);
        var mib = args.Int("mib", 1024);
        args.RejectUnknown();

        const int Hidden = 1024, Ffn = 2816, Layers = 8, TopK = 2, Vocab = 32000, QkvWidth = 1024 + (2 * 256);
        var rng = new Random(3);
        var weights = new List<(LinearWeight Fp32, LinearWeight Bf16)>();
        for (var l = 0; l < Layers; l++)
        {
            weights.Add(Bf16Linear(QkvWidth, Hidden, rng));
            weights.Add(Bf16Linear(Hidden, Hidden, rng));
            for (var e = 0; e < TopK; e++)
            {
                weights.Add(Bf16Linear(2 * Ffn, Hidden, rng));
                weights.Add(Bf16Linear(Hidden, Ffn, rng));
            }
        }

        weights.Add(Bf16Linear(Vocab, Hidden, rng));
        var gemm = threads > 0 ? new ManagedGemm(threads) : Gemm.Managed;
        long parameters = weights.Sum(w => w.Fp32.ParameterCount);
        var x = new float[2 * Ffn];
        var y = new float[Vocab];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
        }

        Console.WriteLine($"{weights.Count} products, {parameters / 1e6:F0} M weights; kernels {gemm.Description}, skinny threads {gemm.SkinnyThreads}");
        // Probe pass, fp32 sweep, bf16 sweep, in turn: on a shared machine all three then see the same load.
        void Sweep(bool bf16)
        {
            foreach (var (fp32, bf16Weight) in weights)
            {
                var w = bf16 ? bf16Weight : fp32;
                w.Forward(gemm, x.AsSpan(0, w.InFeatures), 1, y.AsSpan(0, w.OutFeatures));
            }
        }

        Sweep(false);
        Sweep(true);
        var fp32 = new List<double>();
        var bf16 = new List<double>();
        var probeSeconds = MemoryBandwidth.Interleaved(mib * (1L << 20), Environment.ProcessorCount, runs, () =>
        {
            fp32.Add(Time(() => Sweep(false)));
            bf16.Add(Time(() => Sweep(true)));
        });
        var probeGBps = mib * (1L << 20) / 1e9 / Median(probeSeconds);
        Console.WriteLine($"interleaved, {runs} rounds: {Environment.ProcessorCount}-thread read probe median {probeGBps:F1} GB/s");
        foreach (var (name, seconds, bytes) in new[] { ("fp32", fp32, parameters * 4), ("bf16", bf16, parameters * 2) })
        {
            var gbps = bytes / Median(seconds) / 1e9;
            Console.WriteLine($"  {name}: {bytes / 1e6:F0} MB per sweep, median {Median(seconds) * 1000:F2} ms = {gbps:F1} GB/s = {100 * gbps / probeGBps:F0}% of the probe");
        }

        return 0;
    }

    private static double Time(Action action)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        action();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static (LinearWeight Fp32, LinearWeight Bf16) Bf16Linear(int outFeatures, int inFeatures, Random rng)
    {
        var w = new float[outFeatures * inFeatures];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = BitConverter.UInt32BitsToSingle((uint)rng.Next(0x3C00, 0x3F80) << 16);
        }

        return (new LinearWeight(outFeatures, inFeatures, w), new LinearWeight(outFeatures, inFeatures, Bf16Matrix.TryFromSingle(w, outFeatures, inFeatures)!));
    }
}
