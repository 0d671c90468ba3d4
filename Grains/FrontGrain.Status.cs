using DistInfer.Grains.Deployments;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Grains;

/// <summary>The cluster status clients see: silos, activations, and where each stage and expert replica runs.</summary>
public sealed partial class FrontGrain
{
    // Every grain is asked at once (one round trip of latency, not one per stage and expert); rows keep the
    // model, replica, stage and replica-set order of a sequential walk.
    public async Task<ClusterStatus> Status()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        // Also models deployed through another silo's front that this one has not served yet.
        var deployed = front.Known;
        var describes = new Task<DeploymentInfo?>[deployed.Count];
        for (var i = 0; i < deployed.Count; i++)
        {
            names.Add(deployed[i].Name);

            // The registry holds the current expert replica set (the balancer changes it); the front's copy may be older.
            describes[i] = OrElse(GrainFactory.GetGrain<IModelRegistryGrain>(deployed[i].Name).Describe(), null);
        }

        foreach (var name in front.Deploying)
        {
            names.Add(name);
        }

        await Task.WhenAll(describes);
        var infos = new DeploymentInfo[deployed.Count];
        var stageCalls = new List<Task<StageStatus>>();
        var expertCalls = new List<Task<ExpertStatus>>();
        for (var i = 0; i < infos.Length; i++)
        {
            var info = infos[i] = describes[i].Result ?? deployed[i];
            for (var r = 0; r < info.Replicas; r++)
            {
                for (var s = 0; s < info.Stages; s++)
                {
                    stageCalls.Add(OrElse(GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, s).ToString()).Status(), new StageStatus()));
                }
            }

            foreach (var x in info.ExpertReplicaSet)
            {
                expertCalls.Add(OrElse(GrainFactory.GetGrain<IExpertGrain>(x.Key).Status(), new ExpertStatus()));
            }
        }

        var progress = new List<Task<DeploymentProgress>>(names.Count);
        foreach (var name in names)
        {
            progress.Add(OrElse(GrainFactory.GetGrain<IModelRegistryGrain>(name).Progress(), new DeploymentProgress { Model = name }));
        }

        // One await over all three, so a failure of one call leaves none of the others unobserved.
        await Task.WhenAll(Task.WhenAll(stageCalls), Task.WhenAll(expertCalls), Task.WhenAll(progress));
        var stages = new List<StagePlacementRow>(stageCalls.Count);
        var experts = new List<ExpertPlacementRow>(expertCalls.Count);
        int stageCall = 0, expertCall = 0;
        var observed = new Dictionary<string, List<WeightLoadProgress>>(StringComparer.Ordinal);
        foreach (var info in infos)
        {
            var weights = observed[info.Name] = [];
            var outstanding = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var r = 0; r < info.Replicas; r++)
            {
                for (var s = 0; s < info.Stages; s++)
                {
                    var st = stageCalls[stageCall++].Result;
                    weights.Add(DeploymentWeights.Observed(WeightLoading.Stage, new StageKey(info.Name, r, s).ToString(), st.Silo, st.Weights));
                    stages.Add(new StagePlacementRow { Model = info.Name, Replica = r, Stage = s, Silo = st.Silo, Steps = st.Steps, BusySeconds = st.BusySeconds, LiveSequences = st.LiveSequences, Utilisation = st.Utilisation });
                    foreach (var d in st.Dispatch)
                    {
                        outstanding[d.Key] = outstanding.GetValueOrDefault(d.Key) + d.Outstanding;
                    }
                }
            }

            foreach (var x in info.ExpertReplicaSet)
            {
                var es = expertCalls[expertCall++].Result;
                weights.Add(DeploymentWeights.Observed(WeightLoading.Expert, x.Key, es.Silo, es.Weights));
                experts.Add(new ExpertPlacementRow
                {
                    Model = info.Name,
                    Layer = x.Layer,
                    Expert = x.Expert,
                    Replica = x.Replica,
                    Key = x.Key,
                    Silo = es.Silo,
                    Tokens = es.Tokens,
                    Outstanding = outstanding.GetValueOrDefault(x.Key),
                });
            }
        }

        var deployments = new List<DeploymentProgress>(progress.Count);
        foreach (var call in progress)
        {
            deployments.Add(DeploymentWeights.Live(call.Result, observed));
        }

        return new ClusterStatus { Silos = SiloRows(stages, experts), Experts = experts, Stages = stages, Deployments = deployments };
    }

    /// <summary>
    /// The call's answer, or <paramref name="fallback"/> when it fails: a grain on a silo that died but is not declared
    /// dead yet cannot answer, and status is what an operator reads then; its row shows no silo instead of the whole
    /// status failing.
    /// </summary>
    private static async Task<T> OrElse<T>(Task<T> call, T fallback)
    {
        try
        {
            return await call;
        }
        catch (Exception)
        {
            return fallback;
        }
    }

    private List<SiloStatusRow> SiloRows(List<StagePlacementRow> stages, List<ExpertPlacementRow> experts)
    {
        var stagesOn = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in stages)
        {
            stagesOn[row.Silo] = stagesOn.GetValueOrDefault(row.Silo) + 1;
        }

        var expertsOn = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in experts)
        {
            expertsOn[row.Silo] = expertsOn.GetValueOrDefault(row.Silo) + 1;
        }

        var silos = RestartedSilos.WithoutReplacedIncarnations(membership.Current.Silos);
        var rows = new List<SiloStatusRow>(silos.Count);
        foreach (var s in silos)
        {
            var address = s.Address.ToString();

            // A dead silo's statistics are its last report before it died, not what it holds now: nothing.
            var stats = s.Status == Runtime.Membership.SiloStatus.Dead ? new SiloStatistics() : s.Statistics;
            rows.Add(new SiloStatusRow
            {
                Name = s.Name,
                Address = address,
                Gateway = s.Gateway,
                Status = s.StatusText,
                Roles = [.. s.Roles],
                MemoryTotalBytes = stats.MemoryTotalBytes,
                MemoryAvailableBytes = stats.MemoryAvailableBytes,
                ProcessMemoryBytes = stats.ProcessMemoryBytes,
                Activations = stats.ActivationCount,
                CpuUsage = stats.CpuUsage,
                StageActivations = stagesOn.GetValueOrDefault(address),
                ExpertActivations = expertsOn.GetValueOrDefault(address),
            });
        }

        return rows;
    }
}
