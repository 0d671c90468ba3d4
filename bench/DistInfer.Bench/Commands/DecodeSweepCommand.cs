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

    public string Usage => "           [--threads N] [--runs 15] [--mib 1024]";

    public int Run(BenchArgs args)
    {
        var threads = args.Int("threads", 0);
        var runs = args.Int("runs", 15);
        var mib = args.Int("mib", 1024);
        args.RejectUnknown();

        const int Hidden = 1024, Ffn = 2816, Layers = 8, TopK = 2, Vocab = 32000, QkvWidth = 1024 + (2 * 256);
        var rng = new Random(3);
        var weights = new List<LinearWeight>();
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
        var probe = MemoryBandwidthCommand.Print(mib * (1L << 20), 5);
        long parameters = weights.Sum(w => w.ParameterCount);
        var x = new float[2 * Ffn];
        var y = new float[Vocab];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
        }

        Console.WriteLine($"{weights.Count} products, {parameters / 1e6:F0} M weights; kernels {gemm.Description}, skinny threads {gemm.SkinnyThreads}");
        foreach (var bf16 in new[] { false, true })
        {
            var timing = Measure.Run(() =>
            {
                foreach (var w in weights)
                {
                    if (bf16)
                    {
                        gemm.LinearBf16(x.AsSpan(0, w.InFeatures), w.Bf16Weight!, y.AsSpan(0, w.OutFeatures), 1);
                    }
                    else
                    {
                        gemm.Linear(x.AsSpan(0, w.InFeatures), w.Weight, y.AsSpan(0, w.OutFeatures), 1, w.InFeatures, w.OutFeatures);
                    }
                }
            }, runs, 1.0);
            var bytes = parameters * (bf16 ? 2 : 4);
            double median = bytes / timing.MedianSeconds / 1e9, best = bytes / timing.BestSeconds / 1e9;
            Console.WriteLine($"  {(bf16 ? "bf16" : "fp32")}: {bytes / 1e6:F0} MB per sweep, median {timing.MedianSeconds * 1000:F2} ms = {median:F1} GB/s "
                + $"({100 * median / probe.ReadMedianGBps:F0}% of the probe's median), best {best:F1} GB/s ({100 * best / probe.ReadGBps:F0}% of its best); {timing.Runs} runs");
        }

        return 0;
    }

    private static LinearWeight Bf16Linear(int outFeatures, int inFeatures, Random rng)
    {
        var w = new float[outFeatures * inFeatures];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = BitConverter.UInt32BitsToSingle((uint)rng.Next(0x3C00, 0x3F80) << 16);
        }

        var linear = new LinearWeight(outFeatures, inFeatures, w);
        linear.KeepBf16Copy();
        return linear;
    }
}
