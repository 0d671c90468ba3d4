using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `engine`: prefill and decode tokens/s of the in-process engine at several batch sizes, for bf16 weight storage
/// (the default for bf16 checkpoints) and fp32 storage, and batch-1 decode's weight bytes per token against the
/// memory bandwidth measured in the same run. At batch 1 the storages' steps and the read probe's passes take
/// turns, so all see the same load from other processes.
/// </summary>
internal sealed class EngineCommand : IBenchCommand
{
    public string Name => "engine";

    public string Summary => "engine prefill/decode tokens/s, bf16 vs fp32 weights; creates the 640M Mixtral-shape model when --model is absent";

    public string Usage => "           [--model DIR (default: $TMPDIR/distinfer-bench-640m)] [--batches 1,8,32] [--prompt 128] [--new 16] [--gemm openblas|managed|invariant] [--threads N (managed)] [--weights ab|bf16|fp32] [--mib 1024]";

    public int Run(BenchArgs args)
    {
        var dir = args.Text("model") ?? Path.Combine(Path.GetTempPath(), "distinfer-bench-640m");
        var batches = args.IntList("batches", [1, 8, 32]);
        var prompt = args.Int("prompt", 128);
        var newTokens = args.Int("new", 16);
        var threads = args.Int("threads", 0);
        var weights = args.Text("weights") ?? "ab";
        var mib = args.Int("mib", 1024);
        WeightStorage[] storages = weights switch
        {
            "ab" => [WeightStorage.Checkpoint, WeightStorage.Float32],
            "bf16" => [WeightStorage.Checkpoint],
            "fp32" => [WeightStorage.Float32],
            _ => throw new BenchUsageException($"unknown --weights '{weights}' (ab, bf16 or fp32)"),
        };

        IGemm gemm = args.Text("gemm") switch
        {
            null when threads > 0 => new ManagedGemm(threads),
            null => Gemm.Default,
            "managed" => new ManagedGemm(threads),
            "invariant" => new ManagedGemm(threads) { BatchInvariant = true },
            "openblas" => Gemm.OpenBlas ?? throw new BenchUsageException("OpenBLAS is not installed (apt-get install libopenblas0-pthread)"),
            var g => throw new BenchUsageException($"unknown --gemm '{g}'"),
        };
        args.RejectUnknown();

        if (!File.Exists(Path.Combine(dir, "config.json")))
        {
            Console.WriteLine($"creating the benchmark model in {dir} ...");
            RandomCheckpoint.Write(dir, new ModelInitOptions { Architecture = "mixtral", Hidden = 1024, Layers = 8, Heads = 16, KvHeads = 4, Experts = 8, TopK = 2, Ffn = 2816, Vocab = 32000 });
        }

        var models = new List<(string Name, TransformerModel Model)>();
        foreach (var storage in storages)
        {
            var clock = Stopwatch.StartNew();
            var model = TransformerModel.Load(dir, gemm, precision: ActivationPrecision.Float32, storage: storage);
            var name = model.Weights.Embedding?.Bf16Weight is null ? "fp32" : "bf16";
            models.Add((name, model));
            Console.WriteLine($"{name} weights: {model.Weights.ParameterCount / 1e6:F0} M parameters, {model.Weights.Bytes / 1e6:F0} MB held, loaded in {clock.Elapsed.TotalSeconds:F1} s");
        }

        Console.WriteLine($"model {dir}; kernels {gemm.Name}; {Environment.ProcessorCount} cores");
        var probe = MemoryBandwidthCommand.Print(mib * (1L << 20), 5);
        foreach (var b in batches)
        {
            var runs = models.Select(m => new DecodeRun(m.Name, m.Model, b, prompt, newTokens)).ToList();
            foreach (var run in runs)
            {
                run.Prefill();
            }

            // At batch 1 a read-probe pass precedes each round of steps, so on a shared machine all see the same load.
            var probeSteps = b == 1 ? MemoryBandwidth.Interleaved(mib * (1L << 20), Environment.ProcessorCount, newTokens, () => runs.ForEach(r => r.Step())) : null;
            for (var i = probeSteps is null ? 0 : newTokens; i < newTokens; i++)
            {
                runs.ForEach(r => r.Step());
            }

            var interleaved = probeSteps is null ? 0 : mib * (1L << 20) / Median(probeSteps) / 1e9;
            foreach (var run in runs)
            {
                var allocated = run.AllocatedBytesPerStep(4);
                var line = $"batch {b,3} {run.Name}: prefill {b * prompt / run.PrefillSeconds,8:F0} tok/s ({b}x{prompt})   decode {b * newTokens / run.Steps.Sum(),8:F1} tok/s "
                    + $"({newTokens} steps, mean {run.Steps.Average() * 1000:F1} ms/step, median {Median(run.Steps) * 1000:F1}); {allocated / 1024.0:F1} KiB allocated per step";
                if (b == 1)
                {
                    var bytes = DecodeWeightBytesPerToken(run.Model.Weights);
                    var gbps = bytes / Median(run.Steps) / 1e9;
                    line += $"\n           weights touched {bytes / 1e6:F0} MB/token; median step -> {gbps:F1} GB/s = {100 * gbps / interleaved:F0}% of the {Environment.ProcessorCount}-thread read probe interleaved with the steps (median {interleaved:F1} GB/s)"
                        + $"; {100 * gbps / probe.ReadMedianGBps:F0}% of the probe run before ({probe.ReadMedianGBps:F1} GB/s)";
                }

                Console.WriteLine(line);
            }
        }

        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// Weight bytes one batch-1 decode step reads: attention, router, top-k experts per layer, head; linear weights
    /// at their storage's width, norms and biases at 4 bytes.
    /// </summary>
    private static long DecodeWeightBytesPerToken(ModelWeights w)
    {
        long bytes = w.LmHead!.Bytes + 4L * (w.FinalNorm!.Length + w.Config.HiddenSize);
        foreach (var layer in w.Layers)
        {
            if (layer is null)
            {
                continue;
            }

            bytes += layer.Attention.Qkv.Bytes + layer.Attention.Output.Bytes + 4L * (layer.InputNorm.Length + layer.PostAttentionNorm.Length);
            if (layer.Moe is { } moe)
            {
                bytes += moe.Router.Bytes + w.Config.TopK * Bytes(moe.Experts[0]!)
                    + (moe.SharedExpert is { } shared ? Bytes(shared) : 0) + (moe.SharedExpertGate?.Bytes ?? 0);
            }
            else
            {
                bytes += Bytes(layer.Mlp!);
            }
        }

        return bytes;
    }

    private static long Bytes(SwiGluWeights mlp) => mlp.GateUp.Bytes + mlp.Down.Bytes;
}
