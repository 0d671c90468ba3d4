using System.Diagnostics;
using DistInfer.Bench.Fabric;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `drain`: three silos in this process, a two-stage deployment and a batch of sequences decoding; the silo holding
/// stage 0 drains (graceful stop) between two steps. Reports the decode step before, the drain itself, and the step
/// that crosses it, with the stages' KV caches handed over and without (re-prefill), alternating.
/// </summary>
internal sealed class DrainCommand : IBenchCommand
{
    public string Name => "drain";

    public string Summary => "a stage's silo drained between decode steps: KV cache hand-off against re-prefill";

    public string Usage => "           [--model DIR (default: models/demo-moe)] [--batch 8] [--prompt 64] [--steps 8] [--repeat 3]";

    public int Run(BenchArgs args)
    {
        var model = Path.GetFullPath(args.Text("model") ?? Path.Combine(FabricCommand.FindRoot(), "models", "demo-moe"));
        var batch = args.Int("batch", 8);
        var prompt = args.Int("prompt", 64);
        var steps = args.Int("steps", 8);
        var repeat = args.Int("repeat", 3);
        args.RejectUnknown();
        return RunAsync(model, batch, prompt, steps, repeat).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string model, int batch, int prompt, int steps, int repeat)
    {
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {RunFigures.Load()}; model {model}; batch {batch}, prompt {prompt}, "
            + $"{steps} decode steps before the drain; 3 silos in this process, 2 stages, the silo holding stage 0 drained");
        Console.WriteLine("hand-off | decode step before (median ms) | drain (ms) | step across the drain (ms) | next step (ms) | re-prefills");
        for (var r = 0; r < repeat; r++)
        {
            foreach (var handOff in new[] { true, false })
            {
                Console.WriteLine(await RunOnceAsync(model, batch, prompt, steps, handOff));
            }
        }

        return 0;
    }

    private static async Task<string> RunOnceAsync(string model, int batch, int prompt, int steps, bool handOff)
    {
        await using var cluster = await InProcessBenchCluster.StartAsync(3, new FabricOptions { HandOffStagesOnDrain = handOff, RebalanceOnJoin = false });
        var info = await cluster.Factory.GetGrain<IModelRegistryGrain>("drain").Deploy(new DeploymentRequest { ModelPath = model, Stages = 2 });
        var key = new StageKey(info.Name, 0, 0).ToString();
        var where = (await cluster.Factory.GetGrain<IStageGrain>(key).Status()).Silo;
        var victim = cluster.Silos.Single(s => s.Address.ToString() == where);
        var driver = cluster.Silos.First(s => s != victim);
        var executor = new FabricBatchExecutor(driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 1 });
        var random = new Random(5);
        var ids = Enumerable.Range(1, batch).Select(i => (long)i).ToArray();
        var tokens = Enumerable.Range(0, batch * prompt).Select(_ => random.Next(info.VocabSize)).ToArray();
        var last = await StepAsync(executor, new BatchStep(ids, Enumerable.Repeat(prompt, batch).ToArray(), tokens), info.VocabSize);
        var ones = Enumerable.Repeat(1, batch).ToArray();
        var before = new List<double>();
        for (var k = 0; k < steps; k++)
        {
            var clock = Stopwatch.StartNew();
            last = await StepAsync(executor, new BatchStep(ids, ones, last), info.VocabSize);
            before.Add(clock.Elapsed.TotalMilliseconds);
        }

        var drain = Stopwatch.StartNew();
        await victim.StopAsync();
        var drainMs = drain.Elapsed.TotalMilliseconds;
        var across = Stopwatch.StartNew();
        last = await StepAsync(executor, new BatchStep(ids, ones, last), info.VocabSize);
        var acrossMs = across.Elapsed.TotalMilliseconds;
        var next = Stopwatch.StartNew();
        await StepAsync(executor, new BatchStep(ids, ones, last), info.VocabSize);
        return $"{(handOff ? "on" : "off"),-8} | {RunFigures.Median(before),29:F2} | {drainMs,10:F0} | {acrossMs,26:F1} | {next.Elapsed.TotalMilliseconds,14:F2} | {executor.Recoveries,11}";
    }

    private static async Task<int[]> StepAsync(FabricBatchExecutor executor, BatchStep step, int vocabulary)
    {
        var logits = await executor.ForwardAsync(step, CancellationToken.None);
        var next = new int[step.SequenceIds.Length];
        for (var s = 0; s < next.Length; s++)
        {
            next[s] = Ops.ArgMax(logits.AsSpan(s * vocabulary, vocabulary));
        }

        executor.Recycle(logits);
        return next;
    }
}
