using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// A silo's front for the models deployed in the cluster: one continuous batcher per pipeline replica, and each
/// request goes to the replica with the fewest running plus waiting requests. Every silo has one, so clients and
/// HTTP requests can enter anywhere.
/// </summary>
public sealed class FabricFront(IServiceProvider services, FabricOptions? options = null, BatcherOptions? batcherOptions = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<FrontModel>> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BpeTokenizer> _tokenizers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deploying = new(StringComparer.Ordinal);

    private IGrainFactory Grains => (IGrainFactory)(services.GetService(typeof(IGrainFactory)) ?? throw new InvalidOperationException("no grain factory"));

    /// <summary>Models whose deployment through this front is still loading weights.</summary>
    public IReadOnlyCollection<string> Deploying => [.. _deploying.Keys];

    public IReadOnlyCollection<DeploymentInfo> Deployed =>
        [.. _models.Values.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.Info)];

    /// <summary>
    /// Models known on this silo: deployed through this front (its copy first), or recorded here by the registry,
    /// which copies every deployment's record to each active silo, so one deployed elsewhere is known before its
    /// first request.
    /// </summary>
    public IReadOnlyList<DeploymentInfo> Known
    {
        get
        {
            var known = new List<DeploymentInfo>(Deployed);
            if (services.GetService(typeof(Deployments.DeploymentRecords)) is Deployments.DeploymentRecords records)
            {
                foreach (var record in records.All())
                {
                    if (!known.Exists(d => d.Name == record.Name))
                    {
                        known.Add(record);
                    }
                }
            }

            return known;
        }
    }

    public (int Running, int Waiting) Load
    {
        get
        {
            int running = 0, waiting = 0;
            foreach (var model in _models.Values.Where(t => t.IsCompletedSuccessfully))
            {
                foreach (var b in model.Result.Batchers)
                {
                    running += b.Running;
                    waiting += b.Waiting;
                }
            }

            return (running, waiting);
        }
    }

    /// <summary>Deploys through the model's registry grain and starts serving it here.</summary>
    public async Task<DeploymentInfo> DeployAsync(string name, DeploymentRequest request)
    {
        _deploying.AddOrUpdate(name, 1, static (_, n) => n + 1);
        DeploymentInfo info;
        try
        {
            info = await Grains.GetGrain<IModelRegistryGrain>(name).Deploy(request).ConfigureAwait(false);
        }
        finally
        {
            if (_deploying.AddOrUpdate(name, 0, static (_, n) => n - 1) <= 0)
            {
                _deploying.TryRemove(new KeyValuePair<string, int>(name, 0));
            }
        }

        if (options?.RebalancePeriod is { } period && info.MoeLayers.Count > 0)
        {
            await Grains.GetGrain<IExpertBalancerGrain>(name).StartPeriodic(options.Rebalance, period).ConfigureAwait(false);
        }

        if (_models.TryRemove(name, out var old) && old.IsCompletedSuccessfully)
        {
            await DisposeModelAsync(old.Result).ConfigureAwait(false);
        }

        _models[name] = Task.FromResult(Create(info));
        return info;
    }

    /// <summary>The model's tokenizer, read once from its path on this silo (or shipped into the model cache).</summary>
    public async Task<BpeTokenizer> TokenizerAsync(string name)
    {
        var info = await DescribeAsync(name).ConfigureAwait(false);
        if (_tokenizers.TryGetValue(info.ModelPath, out var tokenizer))
        {
            return tokenizer;
        }

        var directory = await ModelDirectoryAsync(info).ConfigureAwait(false);
        return _tokenizers.GetOrAdd(info.ModelPath, _ => BpeTokenizer.FromDirectory(directory));
    }

    /// <summary>The model's folder on this silo: its path, or the model cache folder holding its config and tokenizer.</summary>
    public Task<string> ModelDirectoryAsync(DeploymentInfo info) =>
        services.GetService(typeof(ModelWeightStore)) is ModelWeightStore store ? store.ResolveDirectoryAsync(info.ModelPath, info.Sources) : Task.FromResult(info.ModelPath);

    /// <summary>The deployment of <paramref name="name"/>, learnt from its registry on first use.</summary>
    public async Task<DeploymentInfo> DescribeAsync(string name) => (await GetAsync(name).ConfigureAwait(false)).Info;

    public async IAsyncEnumerable<TokenEvent> GenerateAsync(string name, int[] promptIds, SamplingParams parameters, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = await GetAsync(name).ConfigureAwait(false);
        // The HTTP API checks this before; SDK and CLI calls through the front grain get the same rule here.
        ContextWindow.Check(name, model.Info.MaxPositionEmbeddings, promptIds.Length, parameters.MaxNewTokens);

        var batcher = model.Batchers.MinBy(b => b.Running + b.Waiting)!;
        await foreach (var token in batcher.GenerateAsync(promptIds, parameters, cancellationToken).ConfigureAwait(false))
        {
            yield return token;
        }
    }

    private Task<FrontModel> GetAsync(string name) => _models.GetOrAdd(name, async n =>
    {
        var info = await Grains.GetGrain<IModelRegistryGrain>(n).Describe().ConfigureAwait(false);
        if (info is null)
        {
            _models.TryRemove(n, out _);
            throw new ModelNotFoundException(n);
        }

        return Create(info);
    });

    private FrontModel Create(DeploymentInfo info)
    {
        var batchers = new ContinuousBatcher[info.Replicas];
        for (var r = 0; r < info.Replicas; r++)
        {
            batchers[r] = new ContinuousBatcher(new FabricBatchExecutor(Grains, info, r, options), info.EosTokenIds, batcherOptions);
        }

        return new FrontModel(info, batchers);
    }

    private static async Task DisposeModelAsync(FrontModel model)
    {
        foreach (var b in model.Batchers)
        {
            await b.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _models.Values.Where(t => t.IsCompletedSuccessfully))
        {
            await DisposeModelAsync(model.Result).ConfigureAwait(false);
        }
    }

    private sealed record FrontModel(DeploymentInfo Info, ContinuousBatcher[] Batchers);
}
