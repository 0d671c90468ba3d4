using DistInfer.Engine;
using DistInfer.Engine.Config;
using DistInfer.Engine.Partitioning;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// Deploys a model: plans pipeline stages balanced by parameter bytes, then activates every stage of every pipeline
/// replica and every expert replica and waits until each has loaded its weights. Silos without the model path get
/// the weights shipped from the silos that have it (<see cref="DeploymentInfo.Sources"/>); every activation's
/// progress is reported here and readable with <see cref="Progress"/> while the deployment runs.
/// </summary>
public sealed class ModelRegistryGrain : Grain, IModelRegistryGrain
{
    private readonly Dictionary<string, WeightLoadProgress> _progress = new(StringComparer.Ordinal);
    private DeploymentInfo? _deployment;
    private bool _complete;
    private string? _error;

    public async Task<DeploymentInfo> Deploy(DeploymentRequest request)
    {
        if (request.Stages < 1 || request.Replicas < 1 || request.ExpertReplicas < 1)
        {
            throw new DistInferException($"stages, replicas and expert replicas must be at least 1 (got {request.Stages}, {request.Replicas}, {request.ExpertReplicas})");
        }

        var store = ServiceProvider.GetRequiredService<ModelWeightStore>();
        var modelPath = Path.GetFullPath(request.ModelPath);
        var sources = await store.FindSourcesAsync(modelPath);
        if (sources.Count == 0)
        {
            throw new DistInferException($"model path {modelPath} does not exist on any silo of the cluster");
        }

        var config = ModelConfigReader.Load(await store.ResolveDirectoryAsync(modelPath, sources));
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
            MoeLayers = moeLayers,
            EosTokenIds = [.. config.EosTokenIds],
            DeployedUtc = DateTime.UtcNow,
            ExpertReplicaCounts = Enumerable.Repeat(request.ExpertReplicas, moeLayers.Count * config.NumExperts).ToList(),
            Sources = sources,
        };
        _progress.Clear();
        _complete = false;
        _error = null;

        var loads = new List<Task>();
        for (var r = 0; r < info.Replicas; r++)
        {
            foreach (var stage in plan)
            {
                var key = new StageKey(info.Name, r, stage.Stage).ToString();
                var stageRequest = StageRequest(info, r, stage.Stage);
                loads.Add(Track(WeightLoading.Stage, key, async () => Final(await GrainFactory.GetGrain<IStageGrain>(key).Load(stageRequest))));
            }
        }

        foreach (var layer in moeLayers)
        {
            for (var e = 0; e < config.NumExperts; e++)
            {
                for (var k = 0; k < info.ExpertReplicas; k++)
                {
                    var key = new ExpertKey(info.Name, layer, e, k).ToString();
                    var expertRequest = new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = layer, Expert = e, Sources = sources };
                    loads.Add(Track(WeightLoading.Expert, key, async () => Final(await GrainFactory.GetGrain<IExpertGrain>(key).Load(expertRequest))));
                }
            }
        }

        try
        {
            await Task.WhenAll(loads);
        }
        catch (Exception e)
        {
            _error = e.Message;
            throw;
        }

        _deployment = info;
        _complete = true;
        return info;
    }

    public Task<DeploymentInfo?> Describe() => Task.FromResult(_deployment);

    public Task<DeploymentProgress> Progress() => Task.FromResult(new DeploymentProgress
    {
        Model = this.GetPrimaryKeyString(),
        Activations = [.. _progress.Values.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal)],
        Complete = _complete,
        Error = _error,
    });

    public Task ReportProgress(WeightLoadProgress progress)
    {
        // A report from another silo is a reactivation there (its silo died): its progress starts over.
        if (!_progress.TryGetValue(progress.Key, out var known) || progress.IsAfter(known) || (known.Silo.Length > 0 && progress.Silo != known.Silo))
        {
            _progress[progress.Key] = progress;
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs one activation's load; once it returns the activation has its weights, whatever reports are still on their way.</summary>
    private async Task Track(string kind, string key, Func<Task<(string Silo, WeightLoadProgress? Weights)>> load)
    {
        _progress[key] = new WeightLoadProgress { Kind = kind, Key = key, Phase = WeightLoadPhase.Pending };
        var (silo, weights) = await load();
        var last = weights ?? _progress[key];
        _progress[key] = last with { Kind = kind, Key = key, Silo = silo, Phase = WeightLoadPhase.Loaded, BytesLoaded = last.BytesTotal, Error = null };
    }

    private static (string, WeightLoadProgress?) Final(StageStatus status) => (status.Silo, status.Weights);

    private static (string, WeightLoadProgress?) Final(ExpertStatus status) => (status.Silo, status.Weights);

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
        Sources = info.Sources,
    };
}
