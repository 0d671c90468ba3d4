using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `weights`: deploy time of a model when every silo reads the path, against shipping it over loopback to a silo
/// that cannot (cold model cache), and against that silo's warm cache (checksums verified, then memory-mapped).
/// </summary>
internal sealed class WeightsCommand : IBenchCommand
{
    public string Name => "weights";

    public string Summary => "deploy with the model path local, shipped to a silo without it (cold cache), and from its warm cache";

    public string Usage => "           [--model DIR (default: a random 4-layer mixtral, ~620 MB BF16)] [--stages 2] [--chunk-mib 8] [--in-flight 4]";

    public int Run(BenchArgs args)
    {
        var model = args.Text("model");
        var stages = args.Int("stages", 2);
        var chunkMib = args.Int("chunk-mib", 8);
        var inFlight = args.Int("in-flight", 4);
        args.RejectUnknown();
        return RunAsync(model, stages, chunkMib, inFlight).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string? model, int stages, int chunkMib, int inFlight)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "distinfer-bench-weights-" + Environment.ProcessId);
        try
        {
            if (model is null)
            {
                model = Path.Combine(scratch, "model");
                var written = RandomCheckpoint.Write(model, new ModelInitOptions { Layers = 4 });
                Console.WriteLine($"generated {model}: {written.Parameters / 1e6:F0} M parameters");
            }

            var bytes = new DirectoryInfo(model).EnumerateFiles("*.safetensors").Sum(f => f.Length);
            Console.WriteLine($"model {model}: {bytes / 1e6:F0} MB of safetensors; {stages} stages; chunks of {chunkMib} MiB, {inFlight} in flight");

            var (local, _) = await DeployAsync(model, stages, shipping: false, Path.Combine(scratch, "cache-local"), chunkMib, inFlight);
            Console.WriteLine($"path on the silo:          deploy {local.Cold.TotalSeconds,6:F2} s, redeploy {local.Warm.TotalSeconds,6:F2} s");
            var (shipped, fetched) = await DeployAsync(model, stages, shipping: true, Path.Combine(scratch, "cache-shipped"), chunkMib, inFlight);
            Console.WriteLine($"shipped to a silo (cold):  deploy {shipped.Cold.TotalSeconds,6:F2} s, {fetched / 1e6:F0} MB shipped, " +
                $"{fetched / 1e6 / Math.Max(1e-9, shipped.Cold.TotalSeconds - local.Cold.TotalSeconds):F0} MB/s over the local deploy time");
            Console.WriteLine($"its warm cache:            redeploy {shipped.Warm.TotalSeconds,6:F2} s (no bytes shipped; parts verified by SHA-256)");
            return 0;
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>Deploys twice under two names (the second finds every part in the cache); returns both times and bytes shipped.</summary>
    private static async Task<((TimeSpan Cold, TimeSpan Warm) Times, long Fetched)> DeployAsync(string model, int stages, bool shipping, string cache, int chunkMib, int inFlight)
    {
        var membership = new InProcessClusterMembership();
        var providers = new List<ServiceProvider>();
        var silos = new List<Silo>();
        try
        {
            for (var i = 0; i < (shipping ? 2 : 1); i++)
            {
                var services = new ServiceCollection();
                services.AddSingleton<IClusterMembershipService>(membership);
                var index = i;
                services.AddDistInferSilo(o =>
                {
                    o.Name = "bench" + index;
                    o.ClusterId = "bench-weights";
                    if (shipping && index == 0)
                    {
                        // The silo with the path only serves it: every stage and expert loads on the other one.
                        o.GrainClassFilter = static t => t != typeof(StageGrain) && t != typeof(ExpertGrain);
                    }
                });
                services.AddDistInferFabric();
                services.Configure<WeightsOptions>(o =>
                {
                    o.CacheDirectory = Path.Combine(cache, "silo" + index);
                    o.ChunkBytes = chunkMib << 20;
                    o.ChunksInFlight = inFlight;
                    o.IsLocalPath = !shipping || index == 0 ? Directory.Exists : static _ => false;
                });
                var provider = services.BuildServiceProvider();
                providers.Add(provider);
                var silo = provider.GetRequiredService<Silo>();
                await silo.StartAsync();
                silos.Add(silo);
            }

            var request = new DeploymentRequest { ModelPath = model, Stages = stages };
            var clock = Stopwatch.StartNew();
            await silos[0].GrainFactory.GetGrain<IModelRegistryGrain>("cold").Deploy(request);
            var cold = clock.Elapsed;
            clock.Restart();
            await silos[0].GrainFactory.GetGrain<IModelRegistryGrain>("warm").Deploy(request);
            var warm = clock.Elapsed;
            return ((cold, warm), silos[^1].Services.GetRequiredService<ModelWeightStore>().Cache.BytesFetched);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.StopAsync();
            }

            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }
        }
    }
}
