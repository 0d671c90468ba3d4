using System.Diagnostics;
using DistInfer.Bench.Fabric;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `fabric-steps`: the same decode steps through the in-process engine and the fabric, alternating step by step
/// (engine first on even steps, fabric first on odd ones), so that the machine's drift, which moves whole runs by
/// ±10 % on a shared VM, falls on both sides of each pair. Reports the median step of each and the median of the
/// paired differences per MoE layer, with their quartiles. Decode only: no batcher, no prefill in the figures.
/// Each step follows the other side's at once, so a side can pay for the other's after-effects (helper threads still
/// spinning, silos' threads winding down): with three silos the engine's own steps came out slower than with one.
/// </summary>
internal sealed class FabricStepsCommand : IBenchCommand
{
    public string Name => "fabric-steps";

    public string Summary => "decode steps alternating between the engine and the fabric (drift-free paired figure)";

    public string Usage => "           [--model DIR (default: models/demo-moe)] [--batch 16] [--prompt 16] [--steps 96] [--silos 1] [--stages 1] [--transport streams|direct] [--only engine|fabric (to profile one side)]";

    public int Run(BenchArgs args)
    {
        var model = Path.GetFullPath(args.Text("model") ?? Path.Combine(FabricCommand.FindRoot(), "models", "demo-moe"));
        var batch = args.Int("batch", 16);
        var prompt = args.Int("prompt", 16);
        var steps = args.Int("steps", 96);
        var silos = args.Int("silos", 1);
        var stages = args.Int("stages", 1);
        var only = (args.Text("only") ?? "both") switch
        {
            "both" => -1,
            "engine" => 0,
            "fabric" => 1,
            var o => throw new BenchUsageException($"--only: '{o}' is none of both, engine, fabric"),
        };
        var transport = (args.Text("transport") ?? "streams") switch
        {
            "streams" => PipelineTransport.Streams,
            "direct" => PipelineTransport.DirectCalls,
            var t => throw new BenchUsageException($"--transport: '{t}' is neither streams nor direct"),
        };
        args.RejectUnknown();
        return RunAsync(model, batch, prompt, steps, silos, stages, transport, only).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string model, int batch, int prompt, int steps, int silos, int stages, PipelineTransport transport, int only)
    {
        var engine = TransformerModel.Load(model, Gemm.Default);
        var moeLayers = Math.Max(1, engine.Config.MoeLayers.Count(m => m));
        await using var cluster = await InProcessBenchCluster.StartAsync(silos);
        var info = await cluster.Factory.GetGrain<IModelRegistryGrain>($"steps-{silos}x{stages}").Deploy(new DeploymentRequest { ModelPath = model, Stages = Math.Min(stages, engine.Config.NumLayers) });
        IBatchExecutor[] sides = [new LocalBatchExecutor(engine), new FabricBatchExecutor(cluster.Factory, info, 0, new FabricOptions { MicroBatches = 1, Transport = transport })];
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {RunFigures.Load()}; model {model}: {engine.Config.NumLayers} layers ({moeLayers} MoE), "
            + $"batch {batch}, prompt {prompt}, {steps} decode steps; {silos} silo(s), {info.Stages} stage(s), {transport}");

        var random = new Random(5);
        var ids = Enumerable.Range(1, batch).Select(i => (long)i).ToArray();
        var promptTokens = Enumerable.Range(0, batch * prompt).Select(_ => random.Next(engine.Config.VocabSize)).ToArray();
        var prefill = new BatchStep(ids, [.. Enumerable.Repeat(prompt, batch)], promptTokens);
        var logits = await sides[0].ForwardAsync(prefill, CancellationToken.None);
        await sides[1].ForwardAsync(prefill, CancellationToken.None);

        // Both sides get the engine's greedy tokens, so they compute the same thing; the first quarter warms up.
        var warmUp = steps / 4;
        var times = new double[2][];
        times[0] = new double[steps];
        times[1] = new double[steps];
        var ones = Enumerable.Repeat(1, batch).ToArray();
        var busyBefore = 0.0;
        for (var k = 0; k < warmUp + steps; k++)
        {
            var tokens = new int[batch];
            for (var s = 0; s < batch; s++)
            {
                tokens[s] = Engine.Model.Ops.ArgMax(logits.AsSpan(s * engine.Config.VocabSize, engine.Config.VocabSize));
            }

            var step = new BatchStep(ids, ones, tokens);
            if (k == warmUp)
            {
                busyBefore = await BusySecondsAsync(cluster, info);
            }

            var first = k % 2;
            for (var i = 0; i < 2; i++)
            {
                var side = (first + i) % 2;
                if (only >= 0 && side != only)
                {
                    // Profiling one side: the other is skipped, and the tokens repeat the prefill's greedy ones.
                    continue;
                }

                var clock = Stopwatch.StartNew();
                var result = await sides[side].ForwardAsync(step, CancellationToken.None);
                if (k >= warmUp)
                {
                    times[side][k - warmUp] = clock.Elapsed.TotalMilliseconds;
                }

                if (side == 0)
                {
                    sides[0].Recycle(logits);
                    logits = result;
                }
                else
                {
                    sides[1].Recycle(result);
                }
            }
        }

        var busyMs = (await BusySecondsAsync(cluster, info) - busyBefore) * 1000 / steps;
        foreach (var id in ids)
        {
            await sides[0].ReleaseAsync(id);
            await sides[1].ReleaseAsync(id);
        }

        if (only >= 0)
        {
            var sorted = times[only].Order().ToArray();
            Console.WriteLine($"{(only == 0 ? "engine" : "fabric")} step  {Quartiles(sorted, "F2")} ms (the other side skipped)" + (only == 1 ? $"; mean {times[1].Average():F2} ms, of which stages busy {busyMs:F2} ms" : ""));
            return 0;
        }

        var paired = times[1].Zip(times[0], (f, e) => (f - e) * 1000 / moeLayers).Order().ToArray();
        var engineMs = times[0].Order().ToArray();
        var fabricMs = times[1].Order().ToArray();
        Console.WriteLine($"engine step  {Quartiles(engineMs, "F2")} ms");
        Console.WriteLine($"fabric step  {Quartiles(fabricMs, "F2")} ms   ratio of medians {engineMs[steps / 2] / fabricMs[steps / 2]:P0}");
        Console.WriteLine($"paired (fabric - engine) per MoE layer  {Quartiles(paired, "F0")} µs");
        Console.WriteLine($"mean fabric step {times[1].Average():F2} ms, of which stages busy {busyMs:F2} ms (the rest: hand-offs between the caller and the stages)");
        return 0;
    }

    /// <summary>Busy seconds of all the replica's stages so far.</summary>
    private static async Task<double> BusySecondsAsync(InProcessBenchCluster cluster, DeploymentInfo info)
    {
        var busy = 0.0;
        for (var s = 0; s < info.Stages; s++)
        {
            busy += (await cluster.Factory.GetGrain<IStageGrain>(new StageKey(info.Name, 0, s).ToString()).Status()).BusySeconds;
        }

        return busy;
    }

    /// <summary>"median (q1-q3)" of sorted values.</summary>
    private static string Quartiles(double[] sorted, string format) =>
        $"{sorted[sorted.Length / 2].ToString(format)} ({sorted[sorted.Length / 4].ToString(format)}-{sorted[3 * sorted.Length / 4].ToString(format)})";
}
