using DistInfer.Engine;
using DistInfer.Engine.Config;
using DistInfer.Engine.Partitioning;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Deploys a model: plans pipeline stages balanced by parameter bytes, then activates every stage of every pipeline
/// replica and every expert replica and waits until each has loaded its weights.
/// </summary>
public sealed class ModelRegistryGrain : Grain, IModelRegistryGrain
{
    private DeploymentInfo? _deployment;

    public async Task<DeploymentInfo> Deploy(DeploymentRequest request)
    {
        if (request.Stages < 1 || request.Replicas < 1 || request.ExpertReplicas < 1)
        {
            throw new DistInferException($"stages, replicas and expert replicas must be at least 1 (got {request.Stages}, {request.Replicas}, {request.ExpertReplicas})");
        }

        var config = ModelConfigReader.Load(request.ModelPath);
        var plan = PartitionPlanner.Plan(config, request.Stages);
        var moeLayers = Enumerable.Range(0, config.NumLayers).Where(l => config.MoeLayers[l]).ToList();
        var info = new DeploymentInfo
        {
            Name = this.GetPrimaryKeyString(),
            ModelPath = Path.GetFullPath(request.ModelPath),
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
        };

        var loads = new List<Task>();
        for (var r = 0; r < info.Replicas; r++)
        {
            foreach (var stage in plan)
            {
                loads.Add(GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, stage.Stage).ToString()).Load(StageRequest(info, r, stage.Stage)));
            }
        }

        foreach (var layer in moeLayers)
        {
            for (var e = 0; e < config.NumExperts; e++)
            {
                for (var k = 0; k < info.ExpertReplicas; k++)
                {
                    loads.Add(GrainFactory.GetGrain<IExpertGrain>(new ExpertKey(info.Name, layer, e, k).ToString())
                        .Load(new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = layer, Expert = e }));
                }
            }
        }

        await Task.WhenAll(loads);
        _deployment = info;
        return info;
    }

    public Task<DeploymentInfo?> Describe() => Task.FromResult(_deployment);

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
    };
}
