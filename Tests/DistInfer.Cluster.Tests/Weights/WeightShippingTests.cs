using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>
/// Two silos: silo0 reads the model path but hosts no stage or expert; silo1 cannot see the path, so every stage
/// and expert activation (all on silo1) gets its weights shipped from silo0 into silo1's model cache.
/// </summary>
public sealed class WeightShippingTests : IAsyncLifetime
{
    private static readonly string ModelPath = RepoPaths.Fixture("qwen3_moe");
    private static readonly int[][] Prompts = [[175, 196, 25, 502, 67, 211, 407, 103], [5, 6, 7]];
    private readonly TempDirectory _caches = new();
    private FabricTestCluster _cluster = null!;

    private ModelWeightStore Shipped => _cluster.Silos[1].Services.GetRequiredService<ModelWeightStore>();

    private string CacheOfSilo1 => _caches.Combine("silo1");

    public async Task InitializeAsync()
    {
        _cluster = await FabricTestCluster.StartAsync(2, (index, services) =>
        {
            services.Configure<WeightsOptions>(o =>
            {
                o.CacheDirectory = _caches.Combine("silo" + index);
                o.ChunkBytes = 64 << 10;
                o.IsLocalPath = index == 0 ? Directory.Exists : static _ => false;
            });
            if (index == 0)
            {
                services.Configure<SiloOptions>(o => o.GrainClassFilter = static t => t != typeof(StageGrain) && t != typeof(ExpertGrain));
            }
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _caches.Dispose();
    }

    [Fact]
    public async Task Deploy_SiloWithoutModelPath_ShipsWeightsAndGeneratesLikeTheEngine()
    {
        var info = await DeployAsync("shipped");

        Assert.Equal([_cluster.Silos[0].Address.ToString()], info.Sources);
        Assert.True(Shipped.Cache.BytesFetched > 0);
        Assert.True(_cluster.Silos[0].Services.GetRequiredService<ModelFileServer>().BytesServed >= Shipped.Cache.BytesFetched);
        var parts = Directory.GetFiles(CacheOfSilo1, "*.safetensors", SearchOption.AllDirectories);
        Assert.Equal(info.Stages + info.MoeLayers.Count * info.NumExperts, parts.Length);
        Assert.Single(Directory.GetFiles(CacheOfSilo1, "config.json", SearchOption.AllDirectories));
        await AssertGeneratesLikeEngineAsync(info);
    }

    [Fact]
    public async Task Deploy_Twice_SecondHitsTheCacheWithoutShipping()
    {
        await DeployAsync("first");
        var shipped = Shipped.Cache.BytesFetched;

        var info = await DeployAsync("second");

        Assert.Equal(shipped, Shipped.Cache.BytesFetched);
        var progress = await _cluster.GrainFactory.GetGrain<IModelRegistryGrain>("second").Progress();
        Assert.All(progress.Activations, a => Assert.Equal(0, a.BytesToFetch));
        await AssertGeneratesLikeEngineAsync(info);
    }

    [Fact]
    public async Task Deploy_AfterACachedPartWasTruncated_ShipsThatPartAgain()
    {
        await DeployAsync("first");
        var shipped = Shipped.Cache.BytesFetched;
        var victim = Directory.GetFiles(CacheOfSilo1, "*.safetensors", SearchOption.AllDirectories).MaxBy(f => new FileInfo(f).Length)!;
        var length = new FileInfo(victim).Length;
        using (var stream = new FileStream(victim, FileMode.Open))
        {
            stream.SetLength(length - 100);
        }

        var info = await DeployAsync("second");

        var again = Shipped.Cache.BytesFetched - shipped;
        Assert.InRange(again, 1, length);
        Assert.Equal(length, new FileInfo(victim).Length);
        var progress = await _cluster.GrainFactory.GetGrain<IModelRegistryGrain>("second").Progress();
        Assert.Single(progress.Activations, a => a.BytesToFetch > 0);
        await AssertGeneratesLikeEngineAsync(info);
    }

    [Fact]
    public async Task Progress_AfterDeploy_EveryActivationLoadedAtHundredPercent()
    {
        var info = await DeployAsync("progress");

        var progress = await _cluster.GrainFactory.GetGrain<IModelRegistryGrain>("progress").Progress();

        Assert.True(progress.Complete);
        Assert.Equal(info.Stages + info.MoeLayers.Count * info.NumExperts, progress.Activations.Count);
        Assert.All(progress.Activations, a =>
        {
            Assert.Equal(WeightLoadPhase.Loaded, a.Phase);
            Assert.True(a.BytesTotal > 0, $"{a.Key}: no bytes");
            Assert.Equal(a.BytesTotal, a.BytesLoaded);
            Assert.Equal(a.BytesTotal, a.BytesToFetch);
            Assert.Equal(a.BytesToFetch, a.BytesFetched);
            Assert.Equal(_cluster.Silos[1].Address.ToString(), a.Silo);
        });
        Assert.Equal(1.0, progress.Fraction);
        Assert.Equal(progress.BytesTotal, progress.BytesFetched);
        var status = await _cluster.GrainFactory.GetGrain<IStageGrain>(new StageKey("progress", 0, 0).ToString()).Status();
        Assert.Equal(WeightLoadPhase.Loaded, status.Weights!.Phase);
    }

    [Fact]
    public async Task Front_OnSiloWithoutModelPath_DeploysReportsProgressAndTokenizesFromTheCache()
    {
        var front = _cluster.Silos[1].GrainFactory.GetGrain<IFrontGrain>("weights-test");

        await front.Deploy("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
        var status = await front.Status();
        var ids = await front.Encode("demo", "The license grants you");

        var deployment = Assert.Single(status.Deployments, d => d.Model == "demo");
        Assert.True(deployment.Complete);
        Assert.Equal(1.0, deployment.Fraction);
        Assert.Equal(Engine.Tokenization.BpeTokenizer.FromDirectory(RepoPaths.DemoModel).Encode("The license grants you"), ids);
        Assert.Single(Directory.GetFiles(CacheOfSilo1, "tokenizer.json", SearchOption.AllDirectories));
    }

    private Task<DeploymentInfo> DeployAsync(string name) =>
        _cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>(name).Deploy(new DeploymentRequest { ModelPath = ModelPath, Stages = 2 });

    private async Task AssertGeneratesLikeEngineAsync(DeploymentInfo info)
    {
        var parameters = new SamplingParams { MaxNewTokens = 6, MinNewTokens = 6 };
        var expected = new Generator(TransformerModel.Load(ModelPath, Gemm.Default)).Generate(Prompts, parameters);
        await using var batcher = new ContinuousBatcher(new FabricBatchExecutor(_cluster.GrainFactory, info, 0, new FabricOptions()), []);
        var results = await Task.WhenAll(Prompts.Select(p => FabricGenerationTests.Collect(batcher.GenerateAsync(p, parameters))));
        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, results[i]);
        }
    }
}
