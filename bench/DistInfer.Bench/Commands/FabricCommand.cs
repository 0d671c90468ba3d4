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
/// `fabric`: the same batch through the in-process engine and through the fabric on 1 and on 3 silos (in this
/// process over real TCP on loopback, or with --processes as `distinfer-silo` processes clustered through Redis):
/// tokens/s, median full-decode-step time, their ratio, the added decode latency per MoE layer, and the pipeline
/// utilisation (each stage's busy time over the run's wall time) for each micro-batch count. Engine and fabric runs
/// alternate (--repeat times per configuration) so that both see the same machine load.
/// </summary>
internal sealed class FabricCommand : IBenchCommand
{
    public string Name => "fabric";

    public string Summary => "fabric (1 and 3 silos on loopback, in-process or --processes) against the in-process engine, same model and batch";

    public string Usage => "           [--model DIR (default: models/demo-moe)] [--batch 16] [--prompt 16] [--new 32] [--silos 1,3] [--stages 2] [--micro-batches 1,2,4] [--repeat 2] [--warm-up 3] [--transports streams,direct] [--group-by-silo on|off] [--processes [--silo-dll PATH]]";

    public int Run(BenchArgs args)
    {
        var root = FindRoot();
        var settings = new Settings(
            args.Text("model") ?? Path.Combine(root, "models", "demo-moe"),
            args.Int("batch", 16),
            args.Int("prompt", 16),
            args.Int("new", 32),
            args.IntList("silos", [1, 3]),
            args.IntList("stages", [2]),
            args.IntList("micro-batches", [1, 2, 4]),
            args.Int("repeat", 2),
            args.Int("warm-up", 3),
            args.Flag("processes"),
            args.Text("silo-dll") ?? Path.Combine(root, "Silo", "bin", "Release", "net10.0", "distinfer-silo.dll"),
            Transports(args.Text("transports") ?? "streams"),
            (args.Text("group-by-silo") ?? "on") switch
            {
                "on" => true,
                "off" => false,
                var g => throw new BenchUsageException($"--group-by-silo: '{g}' is neither on nor off"),
            });
        args.RejectUnknown();
        if (settings.Processes && !settings.GroupBySilo)
        {
            throw new BenchUsageException("--group-by-silo off: silo processes always group (in-process silos only)");
        }

        if (settings.Processes && !File.Exists(settings.SiloDll))
        {
            throw new BenchUsageException($"{settings.SiloDll} not found: dotnet build -c Release Silo/DistInfer.Silo.csproj, or give --silo-dll");
        }

        return RunAsync(settings).GetAwaiter().GetResult();
    }

    private sealed record Settings(string Model, int Batch, int Prompt, int NewTokens, int[] Silos, int[] Stages, int[] MicroBatches, int Repeat, int WarmUp, bool Processes, string SiloDll, PipelineTransport[] Transports, bool GroupBySilo);

    private static PipelineTransport[] Transports(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t switch
        {
            "streams" => PipelineTransport.Streams,
            "direct" => PipelineTransport.DirectCalls,
            _ => throw new BenchUsageException($"--transports: '{t}' is neither streams nor direct"),
        })];

    private static async Task<int> RunAsync(Settings s)
    {
        var model = Path.GetFullPath(s.Model);
        var engine = TransformerModel.Load(model, Gemm.Default);
        var moeLayers = Math.Max(1, engine.Config.MoeLayers.Count(m => m));
        var random = new Random(3);
        var prompts = Enumerable.Range(0, s.Batch).Select(_ => Enumerable.Range(0, s.Prompt).Select(_ => random.Next(engine.Config.VocabSize)).ToArray()).ToArray();
        var parameters = new SamplingParams { MaxNewTokens = s.NewTokens, MinNewTokens = s.NewTokens };
        var local = new TimedExecutor(new LocalBatchExecutor(engine), s.Batch);
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {RunFigures.Load()}; model {model}: {engine.Config.NumLayers} layers ({moeLayers} MoE), "
            + $"batch {s.Batch}, prompt {s.Prompt}, {s.NewTokens} new; kernels {engine.Gemm.Name}; silos {(s.Processes ? "as distinfer-silo processes on Redis" : "in this process")}, loopback TCP");
        Console.WriteLine("wall: whole run tok/s; median full decode step (ms) and its ratio; added = (fabric - engine) / MoE layers; paired = median over repeats of each fabric run against the engine run before it. cpu: median CPU ms of this process per decode step");
        Console.WriteLine("transport: streams (memory-provider streams between stages) or direct (grain calls)");
        Console.WriteLine("transport silos stages  m |     engine      fabric  ratio |  engine ms   fabric ms  ratio     added    paired    | engine cpu  fabric cpu  added cpu   | stage utilisation | load");
        foreach (var silos in s.Silos)
        {
            await using IBenchCluster cluster = s.Processes ? await ProcessBenchCluster.StartAsync(silos, s.SiloDll) : await InProcessBenchCluster.StartAsync(silos, new FabricOptions { GroupExpertCallsBySilo = s.GroupBySilo });
            try
            {
                await RunClusterAsync(s, cluster, silos, model, engine, moeLayers, prompts, parameters, local);
            }
            catch (Exception e) when (cluster is ProcessBenchCluster processes)
            {
                Console.Error.WriteLine($"{silos} silo process(es) failed: {e.GetType().Name}: {e.Message}\nlast lines of the processes:\n{processes.Tail(15)}");
                return 1;
            }
        }

        return 0;
    }

    private static async Task RunClusterAsync(Settings s, IBenchCluster cluster, int silos, string model, TransformerModel engine, int moeLayers, int[][] prompts, SamplingParams parameters, TimedExecutor local)
    {
        foreach (var stages in s.Stages)
        {
            var name = $"bench-{silos}x{stages}";
            var clock = Stopwatch.StartNew();
            var info = await cluster.Factory.GetGrain<IModelRegistryGrain>(name).Deploy(new DeploymentRequest { ModelPath = model, Stages = Math.Min(stages, engine.Config.NumLayers) });
            Console.WriteLine($"  deployed {name} on {silos} {cluster.Kind} silo(s) in {clock.Elapsed.TotalSeconds:F1} s");
            foreach (var (micro, transport) in s.MicroBatches.SelectMany(m => s.Transports.Select(t => (m, t))))
            {
                var fabric = new TimedExecutor(new FabricBatchExecutor(cluster.Factory, info, 0, new FabricOptions { MicroBatches = micro, Transport = transport }), s.Batch);
                var engineRuns = new List<RunFigures>();
                var fabricRuns = new List<RunFigures>();

                // Untimed runs of each first, so that the code both run has reached its optimised tier: tiering waits
                // until no new method has been compiled for a while, and each configuration compiles new ones.
                for (var w = 0; w < s.WarmUp; w++)
                {
                    await MeasureAsync(local, prompts, parameters);
                    await MeasureAsync(fabric, prompts, parameters);
                }
                for (var r = 0; r < s.Repeat; r++)
                {
                    engineRuns.Add(await MeasureAsync(local, prompts, parameters));
                    fabricRuns.Add(await MeasureAsync(fabric, prompts, parameters));
                }

                // Stages keep their last 256 busy intervals: the last run's window is the one surely covered.
                var utilisation = new List<string>();
                for (var st = 0; st < info.Stages; st++)
                {
                    var status = await cluster.Factory.GetGrain<IStageGrain>(new StageKey(info.Name, 0, st).ToString()).Status();
                    utilisation.Add($"{PipelineUtilisation.Of(status, fabricRuns[^1].FromTicks, fabricRuns[^1].ToTicks):P0}");
                }

                Print(transport, !s.Processes, silos, info.Stages, micro, moeLayers, engineRuns, fabricRuns, string.Join(" / ", utilisation));
                Console.WriteLine($"  GC pause per run (median): engine {RunFigures.Median(engineRuns.Select(r => r.GcPauseMs)):F1} ms, fabric {RunFigures.Median(fabricRuns.Select(r => r.GcPauseMs)):F1} ms (this process{(s.Processes ? "; the silo processes' not counted" : ", silos included")})");
                Console.WriteLine(await ExpertCallCostAsync(cluster, info));
            }
        }
    }

    private static void Print(PipelineTransport transport, bool inProcess, int silos, int stages, int micro, int moeLayers, List<RunFigures> engineRuns, List<RunFigures> fabricRuns, string utilisation)
    {
        var engineTps = RunFigures.Median(engineRuns.Select(r => r.TokensPerSecond));
        var fabricTps = RunFigures.Median(fabricRuns.Select(r => r.TokensPerSecond));
        var engineMs = RunFigures.Median(engineRuns.SelectMany(r => r.DecodeMs));
        var fabricMs = RunFigures.Median(fabricRuns.SelectMany(r => r.DecodeMs));
        var addedUs = (fabricMs - engineMs) * 1000 / moeLayers;

        // Each fabric run against the engine run just before it: the machine's speed drifts between repeats (other
        // tenants' memory traffic), so the median of these paired differences is the steadier figure.
        var paired = RunFigures.Median(engineRuns.Zip(fabricRuns, (e, f) => (RunFigures.Median(f.DecodeMs) - RunFigures.Median(e.DecodeMs)) * 1000 / moeLayers));
        var engineCpu = RunFigures.Median(engineRuns.SelectMany(r => r.DecodeCpuMs));
        var fabricCpu = RunFigures.Median(fabricRuns.SelectMany(r => r.DecodeCpuMs));
        // Child processes' CPU is not this process's: the CPU columns mean something with in-process silos only.
        var cpu = inProcess ? $"{engineCpu,10:F1}  {fabricCpu,10:F1}  {(fabricCpu - engineCpu) * 1000 / moeLayers,8:F0} µs" : $"{"-",10}  {"-",10}  {"-",11}";
        Console.WriteLine($"{(transport == PipelineTransport.Streams ? "streams" : "direct"),-9} {silos,5} {stages,6} {micro,2} | {engineTps,10:F1}  {fabricTps,10:F1}  {fabricTps / engineTps,5:P0} | {engineMs,10:F2}  {fabricMs,10:F2}  {engineMs / fabricMs,6:P0}  {addedUs,8:F0} µs {paired,8:F0} µs | {cpu} | {utilisation} | {RunFigures.Load()}");
    }

    /// <summary>
    /// Expert calls so far in this deployment, split by whether the expert ran on its stage's silo: how many, and the
    /// mean wall time of a call beyond the expert's own compute (messaging, queueing and thread hand-offs).
    /// </summary>
    private static async Task<string> ExpertCallCostAsync(IBenchCluster cluster, DeploymentInfo info)
    {
        long[] calls = [0, 0];
        double[] beyond = [0, 0];
        for (var st = 0; st < info.Stages; st++)
        {
            var stage = await cluster.Factory.GetGrain<IStageGrain>(new StageKey(info.Name, 0, st).ToString()).Status();
            foreach (var row in stage.Dispatch)
            {
                if (row.Calls == 0)
                {
                    continue;
                }

                var expert = await cluster.Factory.GetGrain<IExpertGrain>(row.Key).Status();
                var remote = expert.Silo == stage.Silo ? 0 : 1;
                calls[remote] += row.Calls;
                beyond[remote] += row.CallSeconds - expert.ComputeSeconds;
            }
        }

        static string Mean(long n, double seconds) => n == 0 ? "-" : $"{seconds / n * 1e6:F0} µs";
        return $"  expert calls beyond their compute: {calls[0]} on the stage's silo {Mean(calls[0], beyond[0])}, {calls[1]} on other silos {Mean(calls[1], beyond[1])}";
    }

    private static async Task<RunFigures> MeasureAsync(TimedExecutor executor, int[][] prompts, SamplingParams parameters)
    {
        await using var batcher = new ContinuousBatcher(executor, []);
        // Warm-up: the whole batch for two tokens (a prefill and a full decode step), so JIT (in silo processes too),
        // connections and caches are in place before the timed run.
        var warmUp = parameters with { MaxNewTokens = 2, MinNewTokens = 2 };
        await Task.WhenAll(prompts.Select(async p =>
        {
            await foreach (var _ in batcher.GenerateAsync(p, warmUp))
            {
            }
        }));

        executor.Reset();
        var pauses = GC.GetTotalPauseDuration();
        var from = DateTimeOffset.UtcNow.UtcTicks;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(prompts.Select(async p =>
        {
            await foreach (var _ in batcher.GenerateAsync(p, parameters))
            {
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        return new RunFigures(prompts.Length * parameters.MaxNewTokens / seconds, [.. executor.DecodeMs], [.. executor.DecodeCpuMs], from, DateTimeOffset.UtcNow.UtcTicks, (GC.GetTotalPauseDuration() - pauses).TotalMilliseconds);
    }

    internal static string FindRoot()
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
