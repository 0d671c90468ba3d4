using System.Diagnostics;
using DistInfer.Client;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>
/// Redis and two silo processes where only silo0 sees the model directory: silo1 runs in its own mount namespace
/// with the directory's parent covered, as on a machine without shared storage. Whatever lands on silo1 gets its
/// weights shipped from silo0 into silo1's --model-cache.
/// </summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class ProcessWeightShippingTests : IAsyncLifetime
{
    private const string Name = "mixtral-shipped";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("distinfer-shipping-");
    private readonly List<SiloProcess> _silos = [];
    private readonly string _clusterId = "shipping-" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer? _redis;

    private string Hidden => Path.Combine(_work.FullName, "hidden");

    private string ModelPath => Path.Combine(Hidden, "mixtral");

    private string Cache(int silo) => Path.Combine(_work.FullName, "cache" + silo);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ModelPath);
        foreach (var file in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(RepoPaths.Fixture("mixtral"), file), Path.Combine(ModelPath, file));
        }

        _redis = await RedisServer.StartAsync();
        _silos.Add(await SiloProcess.StartAsync(_redis.Endpoint, _clusterId, "silo0", Cache(0)));
        _silos.Add(await SiloProcess.StartAsync(_redis.Endpoint, _clusterId, "silo1", Cache(1), hiddenDirectory: Hidden));
        foreach (var silo in _silos)
        {
            await using var client = await ConnectAsync(silo);
            var clock = Stopwatch.StartNew();
            while ((await client.StatusAsync()).Silos.Count(s => s.Status == "Active") < _silos.Count)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{silo.Name} does not see {_silos.Count} active silos:\n{Output}");
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task Deploy_ModelPathOnlyOnOneSiloProcess_OtherFillsItsModelCacheAndGreedyIdsEqualEngine()
    {
        const int NewTokens = 8;
        await DotnetTool.RunCliAsync("deploy", "--model", ModelPath, "--name", Name, "--stages", "2", "--gateway", _silos[0].Gateway, "--cluster-id", _clusterId);

        // silo1 holds part of the model (its expert share at least) and had to fetch it: parts and config in its cache.
        var shipped = Directory.GetFiles(Cache(1), "*.safetensors", SearchOption.AllDirectories);
        Assert.True(shipped.Length > 0, $"nothing was shipped into silo1's model cache:\n{Output}");
        Assert.Single(Directory.GetFiles(Cache(1), "config.json", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Cache(0)) && Directory.EnumerateFiles(Cache(0), "*.safetensors", SearchOption.AllDirectories).Any(),
            "silo0 sees the model directory and should read it in place");

        await using var client = await ConnectAsync(_silos[1]);
        var progress = await client.DeployProgressAsync(Name);
        Assert.True(progress.Complete);
        Assert.True(progress.BytesFetched > 0, "the deployment reports no shipped bytes");
        var silo1 = (await client.StatusAsync()).Silos.Single(s => s.Name == "silo1").Address;
        Assert.All(progress.Activations, a => Assert.Equal(a.Silo == silo1, a.BytesFetched > 0));
        Assert.All(progress.Activations, a => Assert.Equal(a.BytesToFetch, a.BytesFetched));

        var prompts = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 5 + i).Select(t => (i * 53 + t * 17) % 512).ToArray()).ToArray();
        var expected = new Generator(TransformerModel.Load(ModelPath, Gemm.Default))
            .Generate(prompts, new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens });
        var results = await Task.WhenAll(prompts.Select(async prompt =>
        {
            var tokens = new List<int>();
            await foreach (var chunk in client.GenerateAsync(Name, prompt, new GenerationOptions { MaxNewTokens = NewTokens, MinNewTokens = NewTokens }))
            {
                tokens.AddRange(chunk.Tokens);
            }

            return tokens.ToArray();
        }));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].GeneratedIds, results[i]);
        }
    }

    private Task<DistInferClient> ConnectAsync(SiloProcess gateway)
    {
        var options = new DistInferClientOptions { ClusterId = _clusterId };
        options.Gateways.Add(gateway.Gateway);
        return DistInferClient.ConnectAsync(options);
    }

    private string Output => string.Join("\n---\n", _silos.Select(s => $"{s.Name}:\n{s.Output}"));
}
