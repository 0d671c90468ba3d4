using DistInfer.Engine;
using DistInfer.Engine.Config;
using DistInfer.Engine.Partitioning;
using DistInfer.Grains.Balancing;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Placement;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// Deploys a model: plans pipeline stages balanced by parameter bytes, activates every stage of every pipeline
/// replica, plans where each expert replica runs (<see cref="ExpertPlacementPlanner"/>), activates them, and waits
/// until each has loaded its weights. Silos without the model path get the weights shipped from the silos that have
/// it (<see cref="DeploymentInfo.Sources"/>); every activation's progress is reported here and readable with
/// <see cref="Progress"/> while the deployment runs. Holds the current expert replica set, which the balancer replaces.
/// Every change of the record is copied to each silo (<see cref="DeploymentReplication"/>); an activation reads the
/// newest copy back, so the model stays deployed when the silo holding this grain drains or dies. A name keeps its
/// checkpoint: redeploying it may change stages and replicas, but another checkpoint is refused (<see cref="CheckpointIdentity"/>).
/// </summary>
public sealed partial class ModelRegistryGrain(IClusterMembershipService membership) : Grain, IModelRegistryGrain
{
    private readonly Dictionary<string, WeightLoadProgress> _progress = new(StringComparer.Ordinal);
    private DeploymentInfo? _deployment;

    /// <summary>Replica set version of the last undeployment's record: a new deployment goes above it.</summary>
    private long _retiredVersion;
    private bool _complete;
    private bool _deploying;
    private string? _error;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _deployment = await DeploymentReplication.FindNewestAsync(GrainFactory, membership.Current, this.GetPrimaryKeyString());
        if (_deployment is { Retired: true } retired)
        {
            (_retiredVersion, _deployment) = (retired.ReplicaSetVersion, null);
        }

        if (_deployment is not null)
        {
            // Silos that joined after the last change have no copy yet.
            _complete = true;
            await DeploymentReplication.SaveEverywhereAsync(GrainFactory, membership.Current, _deployment);
        }
    }

    public async Task<DeploymentInfo> Deploy(DeploymentRequest request)
    {
        _deploying = true;
        try
        {
            return await DeployCoreAsync(request);
        }
        finally
        {
            _deploying = false;
        }
    }

    private async Task<DeploymentInfo> DeployCoreAsync(DeploymentRequest request)
    {
        ModelNames.Validate(this.GetPrimaryKeyString());
        if (request.Stages < 1 || request.Replicas < 1 || request.ExpertReplicas < 1)
        {
            throw new DistInferException($"stages, replicas and expert replicas must be at least 1 (got {request.Stages}, {request.Replicas}, {request.ExpertReplicas})");
        }

        if (request.CapacityFactor < 0 || double.IsNaN(request.CapacityFactor))
        {
            throw new DistInferException($"capacity factor must be 0 (dropless) or positive (got {request.CapacityFactor})");
        }

        var store = ServiceProvider.GetRequiredService<ModelWeightStore>();
        var modelPath = Path.GetFullPath(request.ModelPath);
        var sources = await store.FindSourcesAsync(modelPath);
        if (sources.Count == 0)
        {
            // Silos look for a directory: a file given for it (config.json, model.safetensors) was reported as
            // missing, which misled. This silo can tell when it is one.
            throw new DistInferException(File.Exists(modelPath)
                ? $"model path {modelPath} is a file, not a model directory; give the directory that holds it ({Path.GetDirectoryName(modelPath)})"
                : $"model path {modelPath} does not exist on any silo of the cluster");
        }

        // Checked before anything loads, so the model deployed under this name serves on untouched.
        var fingerprint = (await store.GetManifestAsync(modelPath, sources)).ContentFingerprint;
        CheckpointIdentity.ThrowIfOther(_deployment, modelPath, fingerprint);

        // Versions keep rising across redeployments, so no stage keeps an older deployment's replica set.
        var version = Math.Max(_deployment?.ReplicaSetVersion ?? 0, _retiredVersion) + 1;
        var directory = await store.ResolveDirectoryAsync(modelPath, sources);
        var config = ModelConfigReader.Load(directory);
        TokenizerCheck.ThrowIfUnusable(modelPath, directory, config);
        var plan = PartitionPlanner.Plan(config, request.Stages);
        var moeLayers = Enumerable.Range(0, config.NumLayers).Where(l => config.MoeLayers[l]).ToList();
        var info = new DeploymentInfo
        {
            Name = this.GetPrimaryKeyString(),
            ModelPath = modelPath,
            Stages = request.Stages,
            Replicas = request.Replicas,
            ExpertReplicas = request.ExpertReplicas,
            Boundaries = [.. plan.Select(p => p.FirstLayer), config.NumLayers],
            NumLayers = config.NumLayers,
            NumExperts = config.NumExperts,
            VocabSize = config.VocabSize,
            HiddenSize = config.HiddenSize,
            MaxPositionEmbeddings = config.MaxPositionEmbeddings,
            MoeLayers = moeLayers,
            EosTokenIds = [.. config.EosTokenIds],
            DeployedUtc = DateTime.UtcNow,
            ExpertReplicaCounts = Enumerable.Repeat(request.ExpertReplicas, moeLayers.Count * config.NumExperts).ToList(),
            CapacityFactor = request.CapacityFactor,
            Sources = sources,
            CheckpointFingerprint = fingerprint,
        };
        _progress.Clear();
        _complete = false;
        _error = null;

        var silos = ExpertPlacementPlanner.ExpertSilos(membership.Current);
        if (moeLayers.Count > 0 && request.ExpertReplicas > silos.Count)
        {
            throw new DistInferException($"--expert-replicas {request.ExpertReplicas} needs as many silos hosting experts, but there are {silos.Count}: replicas of one expert never share a silo");
        }

        var previous = _deployment;
        try
        {
            info = await LoadAsync(info, plan, moeLayers, config, version);
            if (previous is not null)
            {
                await BestEffortAsync([.. UnloadStages(previous, replacedBy: info), .. RetireExperts(previous.ExpertReplicaSet.Select(r => r.Key), replacedBy: info)]);
            }
        }
        catch (Exception e)
        {
            _error = e.Message;
            if (previous is not null)
            {
                throw await RestoreAfterAsync(e, previous, info, version);
            }

            if (_deployment is null)
            {
                // Nothing serves under this name yet: what did load would hold its memory for nobody.
                await ReleaseLoadedAsync();
            }

            throw;
        }

        _complete = true;
        return info;
    }

    private async Task<DeploymentInfo> LoadAsync(DeploymentInfo info, IReadOnlyList<StagePlan> plan, List<int> moeLayers, ModelConfig config, long version)
    {
        // Stages first: an expert is kept on its layer's stage silo when it fits, so the plan needs where they run.
        var stageSilos = new string[info.Replicas * plan.Count];
        var stageLoads = new List<Task>();
        for (var r = 0; r < info.Replicas; r++)
        {
            foreach (var stage in plan)
            {
                var key = new StageKey(info.Name, r, stage.Stage).ToString();
                var stageRequest = StageRequest(info, r, stage.Stage);
                var slot = r * plan.Count + stage.Stage;
                stageLoads.Add(Track(WeightLoading.Stage, key, async () =>
                {
                    var status = await GrainFactory.GetGrain<IStageGrain>(key).Load(stageRequest);
                    stageSilos[slot] = status.Silo;
                    return Final(status);
                }));
            }
        }

        await Task.WhenAll(stageLoads);
        var stagePins = new Dictionary<int, string>();
        foreach (var stage in plan)
        {
            for (var l = stage.FirstLayer; l < info.Boundaries[stage.Stage + 1]; l++)
            {
                stagePins[l] = ExpertKey.PinOf(stageSilos[stage.Stage]);
            }
        }

        var silos = ExpertPlacementPlanner.ExpertSilos(membership.Current);
        var expertBytes = 3L * config.HiddenSize * config.ExpertIntermediateSize * sizeof(float);
        var set = ExpertPlacementPlanner.Plan(info.Name, moeLayers, config.NumExperts, info.ExpertReplicas, stagePins,
            [.. silos.Select(s => (ExpertKey.PinOf(s.Address.ToString()), ExpertPlacementPlanner.FreeBytes(s)))], expertBytes);
        info = info with { ExpertReplicaSet = set, ReplicaSetVersion = version };
        await Task.WhenAll(set.Select(x =>
        {
            var expertRequest = new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = x.Layer, Expert = x.Expert, Sources = info.Sources };
            return Track(WeightLoading.Expert, x.Key, async () => Final(await GrainFactory.GetGrain<IExpertGrain>(x.Key).Load(expertRequest)));
        }));

        // The stages loaded before the plan existed; give them the replica set.
        await RecordAndLoadStagesAsync(info);
        return info;
    }

    /// <summary>
    /// Makes <paramref name="info"/> the recorded deployment, here and on every silo, then has every stage of every
    /// pipeline replica load its part of it. Recorded first: a stage's Load asks the registry and refuses a plan older
    /// than the recorded one.
    /// </summary>
    private async Task RecordAndLoadStagesAsync(DeploymentInfo info)
    {
        _deployment = info;
        await DeploymentReplication.SaveEverywhereAsync(GrainFactory, membership.Current, info);
        await Task.WhenAll(LoadStages(GrainFactory, info));
    }

    /// <summary>Every stage of every pipeline replica of <paramref name="info"/> loading its part (weights, replica set).</summary>
    public static List<Task> LoadStages(IGrainFactory grains, DeploymentInfo info)
    {
        var loads = new List<Task>();
        for (var r = 0; r < info.Replicas; r++)
        {
            for (var s = 0; s < info.Stages; s++)
            {
                loads.Add(grains.GetGrain<IStageGrain>(new StageKey(info.Name, r, s).ToString()).Load(StageRequest(info, r, s)));
            }
        }

        return loads;
    }

    public Task<DeploymentInfo?> Describe()
    {
        DeactivateIfUnknown();
        return Task.FromResult(Serving);
    }

    /// <summary>
    /// Asked about a name that nothing is deployed, deploying or failed under: the activation goes when the call
    /// ends. Else every mistyped or random model name in requests kept one registry activation for the idle age.
    /// </summary>
    private void DeactivateIfUnknown()
    {
        if (_deployment is null && !_deploying && !_retiring && _error is null && _progress.Count == 0)
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The deployment requests may use: none while it is being undeployed.</summary>
    private DeploymentInfo? Serving => _retiring ? null : _deployment;

    public async Task<DeploymentInfo> UpdateExpertReplicas(List<ExpertReplicaInfo> replicas, long expectedVersion)
    {
        var info = Serving ?? throw new InvalidOperationException($"model {this.GetPrimaryKeyString()} is not deployed");
        if (info.ReplicaSetVersion != expectedVersion)
        {
            throw new ReplicaSetConflictException($"model {info.Name}: expert replica set is at version {info.ReplicaSetVersion}, not {expectedVersion} (another rebalance ran)");
        }

        var counts = new int[info.MoeLayers.Count * info.NumExperts];
        foreach (var replica in replicas)
        {
            var ordinal = info.MoeLayers.IndexOf(replica.Layer);
            if (ordinal < 0 || replica.Expert < 0 || replica.Expert >= info.NumExperts)
            {
                throw new ArgumentException($"replica {replica.Key} names layer {replica.Layer} expert {replica.Expert}, which model {info.Name} does not have");
            }

            counts[ordinal * info.NumExperts + replica.Expert]++;
        }

        if (Array.IndexOf(counts, 0) is var missing and >= 0)
        {
            throw new ArgumentException($"model {info.Name}: the new replica set has no replica of layer {info.MoeLayers[missing / info.NumExperts]} expert {missing % info.NumExperts}");
        }

        var updated = info with { ExpertReplicaSet = replicas, ExpertReplicaCounts = [.. counts], ReplicaSetVersion = info.ReplicaSetVersion + 1 };
        _deployment = updated;

        // Replicas the new set dropped no longer count towards the deployment's progress (status showed 108/108
        // activations for a model with 66).
        var kept = replicas.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _progress.Where(p => p.Value.Kind == WeightLoading.Expert && !kept.Contains(p.Key)).Select(p => p.Key).ToList())
        {
            _progress.Remove(key);
        }

        await DeploymentReplication.SaveEverywhereAsync(GrainFactory, membership.Current, updated);
        return updated;
    }

    /// <summary>The load request of one stage of one pipeline replica.</summary>
    public static StageLoadRequest StageRequest(DeploymentInfo info, int replica, int stage) => new()
    {
        Model = info.Name,
        ModelPath = info.ModelPath,
        Replica = replica,
        Stage = stage,
        FirstLayer = info.Boundaries[stage],
        EndLayer = info.Boundaries[stage + 1],
        Embedding = stage == 0,
        Head = stage == info.Stages - 1,
        ExpertReplicaCounts = info.ExpertReplicaCounts,
        ExpertReplicaSet = info.ExpertReplicaSet,
        ReplicaSetVersion = info.ReplicaSetVersion,
        CapacityFactor = info.CapacityFactor,
        Sources = info.Sources,
        DeployedUtc = info.DeployedUtc,
    };
}
