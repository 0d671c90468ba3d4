using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `engine`: prefill and decode tokens/s of the in-process engine at several batch sizes, and batch-1 decode's
/// weight bytes per token against the memory bandwidth measured in the same run.
/// </summary>
internal sealed class EngineCommand : IBenchCommand
{
    public string Name => "engine";

    public string Summary => "engine prefill/decode tokens/s; creates the 640M Mixtral-shape model when --model is absent";

    public string Usage => "           [--model DIR (default: $TMPDIR/distinfer-bench-640m)] [--batches 1,8,32] [--prompt 128] [--new 16] [--gemm openblas|managed] [--threads N (managed)] [--decode-weights f32|bf16] [--mib 1024]";

    public int Run(BenchArgs args)
    {
        var dir = args.Text("model") ?? Path.Combine(Path.GetTempPath(), "distinfer-bench-640m");
        var batches = args.IntList("batches", [1, 8, 32]);
        var prompt = args.Int("prompt", 128);
        var newTokens = args.Int("new", 16);
        var threads = args.Int("threads", 0);
        var decodeWeights = args.Text("decode-weights") ?? "f32";
        var mib = args.Int("mib", 1024);
        if (decodeWeights is not ("f32" or "bf16"))
        {
            throw new BenchUsageException($"unknown --decode-weights '{decodeWeights}' (f32 or bf16)");
        }

        IGemm gemm = args.Text("gemm") switch
        {
            null when threads > 0 => new ManagedGemm(threads),
            null => Gemm.Default,
            "managed" => new ManagedGemm(threads),
            "openblas" => Gemm.OpenBlas ?? throw new BenchUsageException("OpenBLAS is not installed (apt-get install libopenblas0-pthread)"),
            var g => throw new BenchUsageException($"unknown --gemm '{g}'"),
        };
        args.RejectUnknown();

        if (!File.Exists(Path.Combine(dir, "config.json")))
        {
            Console.WriteLine($"creating the benchmark model in {dir} ...");
            RandomCheckpoint.Write(dir, new ModelInitOptions { Architecture = "mixtral", Hidden = 1024, Layers = 8, Heads = 16, KvHeads = 4, Experts = 8, TopK = 2, Ffn = 2816, Vocab = 32000 });
        }

        var clock = Stopwatch.StartNew();
        var model = TransformerModel.Load(dir, gemm, precision: ActivationPrecision.Float32, bf16DecodeCopies: decodeWeights == "bf16");
        var c = model.Config;
        var copies = model.Weights.LinearLayers().Sum(w => w.Bf16Weight?.Bytes ?? 0);
        Console.WriteLine($"model {dir}: {model.Weights.ParameterCount / 1e6:F0} M parameters, loaded in {clock.Elapsed.TotalSeconds:F1} s; kernels {gemm.Name}; "
            + $"{Environment.ProcessorCount} cores; decode weights {decodeWeights} ({copies / 1e6:F0} MB of bf16 copies)");
        var probe = MemoryBandwidthCommand.Print(mib * (1L << 20), 5);

        var random = new Random(1);
        foreach (var b in batches)
        {
            var prompts = Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, prompt).Select(_ => random.Next(c.VocabSize)).ToArray()).ToArray();
            var caches = prompts.Select(p => model.CreateCache(prompt + newTokens + 1)).ToArray();
            clock.Restart();
            var logits = model.Forward(new BatchLayout(caches, Enumerable.Repeat(prompt, b).ToArray()), prompts.SelectMany(p => p).ToArray(), allPositions: false);
            var prefill = clock.Elapsed.TotalSeconds;
            var next = new int[b];
            var steps = new double[newTokens];
            var step = 0;
            void Step()
            {
                clock.Restart();
                for (var s = 0; s < b; s++)
                {
                    next[s] = Ops.ArgMax(logits.AsSpan(s * c.VocabSize, c.VocabSize));
                }

                logits = model.Forward(new BatchLayout(caches, Enumerable.Repeat(1, b).ToArray()), next, allPositions: false);
                steps[step++] = clock.Elapsed.TotalSeconds;
            }

            // At batch 1 a read-probe pass precedes every step, so on a shared machine both see the same load.
            var probeSteps = b == 1 ? MemoryBandwidth.Interleaved(mib * (1L << 20), Environment.ProcessorCount, newTokens, Step) : null;
            while (step < newTokens)
            {
                Step();
            }

            var decode = steps.Sum();
            Array.Sort(steps);
            var median = steps[newTokens / 2];
            var tokPerSecond = b * newTokens / decode;
            var line = $"batch {b,3}: prefill {b * prompt / prefill,8:F0} tok/s ({b}x{prompt})   decode {tokPerSecond,8:F1} tok/s ({newTokens} steps, mean {decode / newTokens * 1000:F1} ms/step, median {median * 1000:F1})";
            if (b == 1)
            {
                var bytes = DecodeWeightBytesPerToken(model.Weights);
                var gbps = bytes / median / 1e9;
                Array.Sort(probeSteps!);
                var interleaved = mib * (1L << 20) / probeSteps![newTokens / 2] / 1e9;
                line += $"\n           weights touched {bytes / 1e6:F0} MB/token; median step -> {gbps:F1} GB/s = {100 * gbps / interleaved:F0}% of the {Environment.ProcessorCount}-thread read probe interleaved with the steps (median {interleaved:F1} GB/s)"
                    + $"; {100 * gbps / probe.ReadMedianGBps:F0}% of the probe run before ({probe.ReadMedianGBps:F1} GB/s)";
            }

            Console.WriteLine(line);
        }

        return 0;
    }

    /// <summary>
    /// Weight bytes one batch-1 decode step reads: attention, router, top-k experts per layer, head; linear weights
    /// at 2 bytes where the step streams their bf16 copy, else 4, norms and biases at 4.
    /// </summary>
    private static long DecodeWeightBytesPerToken(ModelWeights w)
    {
        long bytes = Bytes(w.LmHead!) + 4L * (w.FinalNorm!.Length + w.Config.HiddenSize);
        foreach (var layer in w.Layers)
        {
            if (layer is null)
            {
                continue;
            }

            bytes += Bytes(layer.Attention.Qkv) + Bytes(layer.Attention.Output) + 4L * (layer.InputNorm.Length + layer.PostAttentionNorm.Length);
            if (layer.Moe is { } moe)
            {
                bytes += Bytes(moe.Router) + w.Config.TopK * Bytes(moe.Experts[0]!)
                    + (moe.SharedExpert is { } shared ? Bytes(shared) : 0) + (moe.SharedExpertGate is { } gate ? Bytes(gate) : 0);
            }
            else
            {
                bytes += Bytes(layer.Mlp!);
            }
        }

        return bytes;
    }

    private static long Bytes(SwiGluWeights mlp) => Bytes(mlp.GateUp) + Bytes(mlp.Down);

    private static long Bytes(LinearWeight linear) =>
        (linear.Bf16Weight?.Bytes ?? (4L * linear.OutFeatures * linear.InFeatures)) + (4L * (linear.Bias?.Length ?? 0));
}
