using System.Diagnostics;
using DistInfer.Bench.Fabric;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `fabric`: the same batch through the in-process engine and through the fabric on 1 and on 3 in-process silos
/// (real TCP on loopback): decode tokens/s, their ratio, the added decode latency per MoE layer, and the pipeline
/// utilisation (each stage's busy time over the run's wall time) for each micro-batch count.
/// </summary>
internal sealed class FabricCommand : IBenchCommand
{
    public string Name => "fabric";

    public string Summary => "fabric (1 and 3 silos on loopback) against the in-process engine, same model and batch";

    public string Usage => "           [--model DIR (default: models/demo-moe)] [--batch 16] [--new 32] [--stages 2] [--micro-batches 1,2,4]\n" +
        "           [--transports streams,direct (stage-to-stage transports to compare, same run)]\n" +
        "           [--repeat 1 (runs per transport, alternating; the median run is reported)]";

    public int Run(BenchArgs args)
    {
        var model = args.Text("model") ?? Path.Combine(FindRoot(), "models", "demo-moe");
        var batch = args.Int("batch", 16);
        var newTokens = args.Int("new", 32);
        var stages = args.Int("stages", 2);
        var micro = args.IntList("micro-batches", [1, 2, 4]);
        var transports = Transports(args.Text("transports") ?? "streams,direct");
        var repeat = args.Int("repeat", 1);
        args.RejectUnknown();
        return RunAsync(model, batch, newTokens, stages, micro, transports, repeat).GetAwaiter().GetResult();
    }

    private static PipelineTransport[] Transports(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t switch
        {
            "streams" => PipelineTransport.Streams,
            "direct" => PipelineTransport.DirectCalls,
            _ => throw new BenchUsageException($"--transports: '{t}' is neither streams nor direct"),
        })];

    private static async Task<int> RunAsync(string model, int batch, int newTokens, int stages, int[] microBatches, PipelineTransport[] transports, int repeat)
    {
        var engine = TransformerModel.Load(model, Gemm.Default);
        var moeLayers = engine.Config.MoeLayers.Count(m => m);
        var random = new Random(3);
        var prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, 16).Select(_ => random.Next(engine.Config.VocabSize)).ToArray()).ToArray();
        var parameters = new SamplingParams { MaxNewTokens = newTokens, MinNewTokens = newTokens };
        Console.WriteLine($"model {model}: {engine.Config.NumLayers} layers ({moeLayers} MoE), batch {batch}, prompt 16, {newTokens} new; kernels {engine.Gemm.Name}");

        var local = await MeasureAsync(new LocalBatchExecutor(engine), prompts, parameters);
        Console.WriteLine($"in-process engine: {local.TokensPerSecond,8:F1} tok/s, {local.StepMs,7:F2} ms/decode step");
        foreach (var silos in new[] { 1, 3 })
        {
            await using var cluster = await InProcessBenchCluster.StartAsync(silos);
            var info = await cluster.Factory.GetGrain<IModelRegistryGrain>("bench").Deploy(new DeploymentRequest { ModelPath = model, Stages = Math.Min(stages, engine.Config.NumLayers) });
            foreach (var micro in microBatches)
            {
                // Transports alternate run by run, so a busy machine's slow phases fall on both.
                var runs = transports.ToDictionary(t => t, _ => new List<(double TokensPerSecond, double StepMs, string Utilisation)>());
                for (var r = 0; r < repeat; r++)
                {
                    for (var i = 0; i < transports.Length; i++)
                    {
                        var transport = transports[(i + r) % transports.Length];
                        var run = await MeasureAsync(new FabricBatchExecutor(cluster.Factory, info, 0, new FabricOptions { MicroBatches = micro, Transport = transport }), prompts, parameters);

                        // Right after the run: the stages keep their last 256 busy intervals only.
                        var utilisation = new List<string>();
                        for (var s = 0; s < info.Stages; s++)
                        {
                            var status = await cluster.Factory.GetGrain<IStageGrain>(new StageKey(info.Name, 0, s).ToString()).Status();
                            utilisation.Add($"{PipelineUtilisation.Of(status, run.FromTicks, run.ToTicks):P0}");
                        }

                        runs[transport].Add((run.TokensPerSecond, run.StepMs, string.Join(" / ", utilisation)));
                    }
                }

                foreach (var transport in transports)
                {
                    var fabric = runs[transport].OrderBy(x => x.TokensPerSecond).ElementAt(repeat / 2);
                    var overheadUs = (fabric.StepMs - local.StepMs) * 1000 / Math.Max(1, moeLayers);
                    Console.WriteLine($"fabric, {silos} silo(s), {info.Stages} stages, {micro} micro-batch(es), {(transport == PipelineTransport.Streams ? "streams" : "direct calls")}: {fabric.TokensPerSecond,8:F1} tok/s ({fabric.TokensPerSecond / local.TokensPerSecond:P0} of in-process), " +
                        $"{fabric.StepMs,7:F2} ms/decode step, {overheadUs:F0} µs added per MoE layer, stage utilisation {fabric.Utilisation}" +
                        (repeat > 1 ? $" (median of {repeat}: {string.Join(", ", runs[transport].Select(x => x.TokensPerSecond.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} tok/s)" : ""));
                }
            }
        }

        return 0;
    }

    private static async Task<(double TokensPerSecond, double StepMs, long FromTicks, long ToTicks)> MeasureAsync(IBatchExecutor executor, int[][] prompts, SamplingParams parameters)
    {
        await using var batcher = new ContinuousBatcher(executor, []);
        // Warm-up: one short request so JIT and connections are in place.
        await foreach (var _ in batcher.GenerateAsync(prompts[0], parameters with { MaxNewTokens = 2, MinNewTokens = 2 }))
        {
        }

        var from = DateTimeOffset.UtcNow.UtcTicks;
        var clock = Stopwatch.StartNew();
        var firstStep = batcher.Steps;
        await Task.WhenAll(prompts.Select(async p =>
        {
            await foreach (var _ in batcher.GenerateAsync(p, parameters))
            {
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var steps = batcher.Steps - firstStep;
        return (prompts.Length * parameters.MaxNewTokens / seconds, seconds * 1000 / steps, from, DateTimeOffset.UtcNow.UtcTicks);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistInfer.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new BenchUsageException("run from the repository or give --model");
    }
}
