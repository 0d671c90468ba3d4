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
public sealed class FabricFront(IServiceProvider services, FabricOptions? options = null, BatcherOptions? batcherOptions = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<FrontModel>> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BpeTokenizer> _tokenizers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deploying = new(StringComparer.Ordinal);

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

    /// <summary>Deploys through the model's registry grain and starts serving it here.</summary>
    public async Task<DeploymentInfo> DeployAsync(string name, DeploymentRequest request)
    {
        ModelNames.Validate(name);
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

        Task<FrontModel> model;
        if (_models.TryGetValue(name, out var old) && old.IsCompletedSuccessfully && FrontModel.SamePlan(old.Result.Info, info))
        {
            // Same stages and replicas (other expert replicas, say): the running requests go on, on the same batchers.
            model = Task.FromResult(old.Result with { Info = info });
            model = _models.TryUpdate(name, model, old) ? model : _models.GetValueOrDefault(name, model);
        }
        else
        {
            if (_models.TryRemove(name, out old) && old.IsCompletedSuccessfully)
            {
                await old.Result.RetireAsync(TimeSpan.Zero, Replaced(name)).ConfigureAwait(false);
            }

            // A request may have entered the model meanwhile (from the registry's new record, while the old one
            // retired): keep that entry, which may run sequences, and stop ours, which ran none. Overwriting it left
            // its batchers running untracked, never retired by an undeployment.
            var created = Task.FromResult(Create(info));
            model = _models.GetOrAdd(name, created);
            if (!ReferenceEquals(model, created))
            {
                await created.Result.RetireAsync(TimeSpan.Zero, null).ConfigureAwait(false);
            }
        }

        if (UndeployedSince(info) && _models.TryRemove(new KeyValuePair<string, Task<FrontModel>>(name, model)))
        {
            // Undeployed while this front still waited (for the balancer): its retirement found nothing to end here.
            await (await model.ConfigureAwait(false)).RetireAsync(TimeSpan.Zero, ModelNotFoundException.NotDeployed(name)).ConfigureAwait(false);
        }

        return info;
    }

    /// <summary>
    /// Whether this silo holds an undeployment's record newer than <paramref name="info"/>. Kept before this front is
    /// told (<see cref="Deployments.DeploymentRecordGrain.Retire"/>), so a model entered after this check is false is
    /// still removed by that retirement.
    /// </summary>
    private bool UndeployedSince(DeploymentInfo info) =>
        Records is { } records
        && records.Find(info.Name) is { Retired: true } record && Deployments.DeploymentRecords.IsNewer(record, info);

    /// <summary>Undeploys through the model's registry grain (which retires it on every silo's front, this one's included).</summary>
    public Task<UndeployResult> UndeployAsync(string name, TimeSpan drain) =>
        Grains.GetGrain<IModelRegistryGrain>(name).Undeploy((int)Math.Clamp(drain.TotalMilliseconds, 0, int.MaxValue));

    /// <summary>
    /// Stops serving <paramref name="name"/> here: new requests find it gone at once; the running ones get up to
    /// <paramref name="drain"/> to finish, then end with an error naming the model. Returns how many were ended.
    /// </summary>
    public async Task<int> RetireAsync(string name, TimeSpan drain)
    {
        if (!_models.TryRemove(name, out var model))
        {
            return 0;
        }

        FrontModel retiring;
        try
        {
            // Still being looked up (the registry answered just before the undeployment began): its batchers come.
            retiring = await model.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return 0;
        }

        return await retiring.RetireAsync(drain, new ModelNotFoundException(name, $"model {name} was undeployed before this request finished")).ConfigureAwait(false);
    }

    /// <summary>
    /// A deployment record reached this silo (<see cref="Deployments.DeploymentRecordGrain"/>): when it replaces the
    /// plan this front serves (stages, replicas, path), the old plan's requests end now. Their stages already hold
    /// other layers, and a retry of theirs would load the old plan back into stages the new one uses.
    /// </summary>
    public void OnRecordSaved(DeploymentInfo record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.Retired && _models.TryGetValue(record.Name, out var model) && model.IsCompletedSuccessfully
            && Redeployed(model.Result.Info) is not null && _models.TryRemove(new KeyValuePair<string, Task<FrontModel>>(record.Name, model)))
        {
            _ = model.Result.RetireAsync(TimeSpan.Zero, Replaced(record.Name));
        }
    }

    private static ModelRedeployedException Replaced(string name) =>
        new(name, $"model {name} was redeployed with another plan (stages, replicas or checkpoint path) while this request ran; send it again");

    /// <summary>
    /// The newer record of <paramref name="info"/>'s model when it was redeployed with another plan (stages, replicas,
    /// path); a rebalance changes only the expert replica set, which the stages hold, so it needs no new batchers.
    /// </summary>
    private DeploymentInfo? Redeployed(DeploymentInfo info)
    {
        if (Records is not { } records
            || records.Find(info.Name) is not { Retired: false } record
            || !Deployments.DeploymentRecords.IsNewer(record, info))
        {
            return null;
        }

        return FrontModel.SamePlan(record, info) ? null : record;
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
    /// <summary>The batchers serving <paramref name="name"/> on this silo, if it serves it yet (tests, diagnostics).</summary>
    internal IReadOnlyList<ContinuousBatcher> BatchersOf(string name) =>
        _models.TryGetValue(name, out var model) && model.IsCompletedSuccessfully ? model.Result.Batchers : [];

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

    /// <summary>The pipeline replica's batcher with the fewest sequences running and waiting.</summary>
    private static ContinuousBatcher LeastLoaded(FrontModel model) => model.Batchers.MinBy(b => b.Running + b.Waiting)!;

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
