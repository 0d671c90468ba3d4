using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// A silo's front for the models deployed in the cluster: one continuous batcher per pipeline replica, and each
/// request goes to the replica with the fewest running plus waiting requests. Every silo has one, so clients and
/// HTTP requests can enter anywhere.
/// </summary>
public sealed partial class FabricFront(IServiceProvider services, FabricOptions? options = null, BatcherOptions? batcherOptions = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<FrontModel>> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BpeTokenizer> _tokenizers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deploying = new(StringComparer.Ordinal);
    // Seeded apart on each silo: every gateway's first requests would otherwise pick the same replica.
    private int _rotation = Random.Shared.Next();

    /// <summary>This silo's copies of deployment records (absent where the fabric runs without them, in some tests).</summary>
    private Deployments.DeploymentRecords? Records => services.GetService(typeof(Deployments.DeploymentRecords)) as Deployments.DeploymentRecords;

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
            if (Records is { } records)
            {
                foreach (var record in records.Deployed())
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

    /// <summary>Sequences this silo's batchers put back in their queues because a stage was full (<see cref="FabricOptions.StageMaxSequences"/>).</summary>
    public long Deferrals => _models.Values.Where(t => t.IsCompletedSuccessfully).SelectMany(t => t.Result.Batchers).Sum(b => b.Deferrals);

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

    /// <summary>The batchers serving <paramref name="name"/> on this silo, if it serves it yet (tests, diagnostics).</summary>
    internal IReadOnlyList<ContinuousBatcher> BatchersOf(string name) =>
        _models.TryGetValue(name, out var model) && model.IsCompletedSuccessfully ? model.Result.Batchers : [];

    /// <summary>The deployment of <paramref name="name"/>, learnt from its registry on first use.</summary>
    public async Task<DeploymentInfo> DescribeAsync(string name) => (await GetAsync(name).ConfigureAwait(false)).Info;

    public async IAsyncEnumerable<TokenEvent> GenerateAsync(string name, int[] promptIds, SamplingParams parameters, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var streams = await StartAsync(name, [new SequenceRequest(promptIds, parameters, cancellationToken)]).ConfigureAwait(false);
        await foreach (var token in streams[0].ConfigureAwait(false))
        {
            yield return token;
        }
    }

    /// <summary>
    /// Starts a request's sequences on one replica, all admitted or none (<see cref="ContinuousBatcher.GenerateAll"/>):
    /// admission is all or nothing only within one batcher.
    /// </summary>
    public async Task<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string name, IReadOnlyList<SequenceRequest> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var model = await GetAsync(name).ConfigureAwait(false);
        foreach (var s in sequences)
        {
            // The HTTP API checks this before; SDK and CLI calls through the front grain get the same rule here.
            ContextWindow.Check(name, model.Info.MaxPositionEmbeddings, s.PromptIds.Length, s.Parameters.MaxNewTokens);
        }

        return LeastLoaded(model).GenerateAll(sequences);
    }

    /// <summary>
    /// Starts each sequence on the replica least loaded at that moment, so a request's prompts spread over the
    /// data-parallel replicas. Every sequence is checked first: one that cannot run refuses the request before any
    /// starts. A later one can still be refused for capacity; the caller then cancels those started.
    /// </summary>
    public async Task<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartEachAsync(string name, IReadOnlyList<SequenceRequest> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var model = await GetAsync(name).ConfigureAwait(false);
        foreach (var s in sequences)
        {
            ContextWindow.Check(name, model.Info.MaxPositionEmbeddings, s.PromptIds.Length, s.Parameters.MaxNewTokens);
            s.Validate(model.Info.VocabSize);
        }

        var streams = new IAsyncEnumerable<TokenEvent>[sequences.Count];
        for (var i = 0; i < streams.Length; i++)
        {
            streams[i] = LeastLoaded(model).GenerateAll([sequences[i]])[0];
        }

        return streams;
    }

    /// <summary>
    /// The pipeline replica's batcher with the fewest sequences running and waiting. Ties go round in turn: requests
    /// one at a time (each finding every replica idle) all went to replica 0, and so did every gateway's first ones.
    /// </summary>
    private ContinuousBatcher LeastLoaded(FrontModel model)
    {
        var batchers = model.Batchers;
        var start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)batchers.Length);
        var best = batchers[start];
        var least = best.Running + best.Waiting;
        for (var i = 1; i < batchers.Length; i++)
        {
            var b = batchers[(start + i) % batchers.Length];
            if (b.Running + b.Waiting < least)
            {
                (best, least) = (b, b.Running + b.Waiting);
            }
        }

        return best;
    }

    private async Task<FrontModel> GetAsync(string name)
    {
        var model = _models.GetOrAdd(name, DescribeNewAsync);
        if (model.IsCompletedSuccessfully && Redeployed(model.Result.Info) is { } newer)
        {
            // Redeployed through another silo with another plan, and this front not told yet: serve the new one.
            var renewed = Task.FromResult(Create(newer));
            if (_models.TryUpdate(name, renewed, model))
            {
                _ = model.Result.RetireAsync(TimeSpan.Zero, Replaced(name));
                model = renewed;
            }
            else
            {
                // Another request renewed (or removed) it first: ours ran nothing and must not run untracked.
                _ = renewed.Result.RetireAsync(TimeSpan.Zero, null);
                model = _models.GetOrAdd(name, DescribeNewAsync);
            }
        }

        try
        {
            return await model.ConfigureAwait(false);
        }
        catch
        {
            // Not remembered: the model may be deployed by the next request (a faulted entry would refuse it forever).
            _models.TryRemove(new KeyValuePair<string, Task<FrontModel>>(name, model));
            throw;
        }
    }

    private async Task<FrontModel> DescribeNewAsync(string name)
    {
        var info = await Grains.GetGrain<IModelRegistryGrain>(name).Describe().ConfigureAwait(false);

        // A newer record with another plan already here wins too (GetAsync checks only entries complete on arrival).
        return info is null ? throw ModelNotFoundException.NotDeployed(name) : Create(Redeployed(info) ?? info);
    }

    private FrontModel Create(DeploymentInfo info)
    {
        var batchers = new ContinuousBatcher[info.Replicas];
        for (var r = 0; r < info.Replicas; r++)
        {
            batchers[r] = new ContinuousBatcher(new FabricBatchExecutor(Grains, info, r, options), info.EosTokenIds, batcherOptions);
        }

        return new FrontModel(info, batchers);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _models.Values.Where(t => t.IsCompletedSuccessfully))
        {
            await model.Result.RetireAsync(TimeSpan.Zero, null).ConfigureAwait(false);
        }
    }
}
