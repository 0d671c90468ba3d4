using DistInfer.Engine;
using DistInfer.Engine.Config;
using DistInfer.Engine.Partitioning;
using DistInfer.Grains.Placement;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Grains;

/// <summary>
/// Deploys a model: plans pipeline stages balanced by parameter bytes, activates every stage of every pipeline
/// replica, plans where each expert replica runs (<see cref="ExpertPlacementPlanner"/>), activates them, and waits
/// until each has loaded its weights. Holds the current expert replica set, which the balancer replaces.
/// </summary>
public sealed class ModelRegistryGrain(IClusterMembershipService membership) : Grain, IModelRegistryGrain
{
    private DeploymentInfo? _deployment;

    public async Task<DeploymentInfo> Deploy(DeploymentRequest request)
    {
        if (request.Stages < 1 || request.Replicas < 1 || request.ExpertReplicas < 1)
        {
            throw new DistInferException($"stages, replicas and expert replicas must be at least 1 (got {request.Stages}, {request.Replicas}, {request.ExpertReplicas})");
        }

        if (request.CapacityFactor < 0 || double.IsNaN(request.CapacityFactor))
        {
            throw new DistInferException($"capacity factor must be 0 (dropless) or positive (got {request.CapacityFactor})");
        }

        // Versions keep rising across redeployments, so no stage keeps an older deployment's replica set.
        var version = (_deployment?.ReplicaSetVersion ?? 0) + 1;
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
            CapacityFactor = request.CapacityFactor,
        };

        var silos = ExpertPlacementPlanner.ExpertSilos(membership.Current);
        if (moeLayers.Count > 0 && request.ExpertReplicas > silos.Count)
        {
            throw new DistInferException($"--expert-replicas {request.ExpertReplicas} needs as many silos hosting experts, but there are {silos.Count}: replicas of one expert never share a silo");
        }

        // Stages first: an expert is kept on its layer's stage silo when it fits, so the plan needs where they run.
        var stageLoads = new List<Task<StageStatus>>();
        for (var r = 0; r < info.Replicas; r++)
        {
            foreach (var stage in plan)
            {
                stageLoads.Add(GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, stage.Stage).ToString()).Load(StageRequest(info, r, stage.Stage)));
            }
        }

        var stageStatus = await Task.WhenAll(stageLoads);
        var stagePins = new Dictionary<int, string>();
        foreach (var stage in plan)
        {
            for (var l = stage.FirstLayer; l < info.Boundaries[stage.Stage + 1]; l++)
            {
                stagePins[l] = ExpertKey.PinOf(stageStatus[stage.Stage].Silo);
            }
        }

        var expertBytes = 3L * config.HiddenSize * config.ExpertIntermediateSize * sizeof(float);
        var set = ExpertPlacementPlanner.Plan(info.Name, moeLayers, config.NumExperts, request.ExpertReplicas, stagePins,
            [.. silos.Select(s => (ExpertKey.PinOf(s.Address.ToString()), ExpertPlacementPlanner.FreeBytes(s)))], expertBytes);
        info = info with { ExpertReplicaSet = set, ReplicaSetVersion = version };
        await Task.WhenAll(set.Select(x => GrainFactory.GetGrain<IExpertGrain>(x.Key)
            .Load(new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = x.Layer, Expert = x.Expert })));

        // The stages loaded before the plan existed; give them the replica set.
        _deployment = info;
        var updates = new List<Task>();
        for (var r = 0; r < info.Replicas; r++)
        {
            foreach (var stage in plan)
            {
                updates.Add(GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, stage.Stage).ToString()).Load(StageRequest(info, r, stage.Stage)));
            }
        }

        await Task.WhenAll(updates);
        return info;
    }

    public Task<DeploymentInfo?> Describe() => Task.FromResult(_deployment);

    public Task<DeploymentInfo> UpdateExpertReplicas(List<ExpertReplicaInfo> replicas, long expectedVersion)
    {
        var info = _deployment ?? throw new InvalidOperationException($"model {this.GetPrimaryKeyString()} is not deployed");
        if (info.ReplicaSetVersion != expectedVersion)
        {
            throw new InvalidOperationException($"model {info.Name}: expert replica set is at version {info.ReplicaSetVersion}, not {expectedVersion} (another rebalance ran)");
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

        _deployment = info with { ExpertReplicaSet = replicas, ExpertReplicaCounts = [.. counts], ReplicaSetVersion = info.ReplicaSetVersion + 1 };
        return Task.FromResult(_deployment);
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
    };
}
