using DistInfer.Engine;
using DistInfer.Grains.Deployments;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains;

public sealed partial class ModelRegistryGrain
{
    /// <summary>Beyond the drain time, how long a silo's front may take to answer before it counts as unreached.</summary>
    private static readonly TimeSpan RetireMargin = TimeSpan.FromSeconds(10);

    /// <summary>True while an undeployment runs: <see cref="Describe"/> answers null, so no front starts serving the model anew.</summary>
    private bool _retiring;

    public async Task<UndeployResult> Undeploy(int drainMilliseconds)
    {
        var name = this.GetPrimaryKeyString();
        var info = _deployment ?? throw Fabric.ModelNotFoundException.NotDeployed(name);
        if (drainMilliseconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(drainMilliseconds), drainMilliseconds, $"undeploying {name}: the drain time must be 0 or more milliseconds");
        }

        _retiring = true;
        try
        {
            if (info.MoeLayers.Count > 0)
            {
                // Not awaited: a rebalance running on the balancer waits for this registry (to commit its set), so
                // waiting here for the balancer deadlocked the two until the call timed out. That rebalance is refused.
                _ = StopPeriodicAsync(name);
            }

            // The record goes first, everywhere: fronts stop taking requests, and a registry re-activating on another
            // silo finds the model gone instead of reviving an older copy.
            var retired = info with { Retired = true, ReplicaSetVersion = info.ReplicaSetVersion + 1, DeployedUtc = DateTime.UtcNow };
            var (cancelled, unreached) = await RetireEverywhereAsync(retired, drainMilliseconds);

            // Only now, with no request left in flight, do stages and experts let go of their weights.
            var unloads = UnloadStages(info, replacedBy: null);

            foreach (var x in info.ExpertReplicaSet)
            {
                unloads.Add(GrainFactory.GetGrain<IExpertGrain>(x.Key).Retire());
            }

            // The records already say "undeployed" everywhere: an activation on a silo lost meanwhile must not leave
            // this registry half-way (deployed here, retired everywhere else).
            await BestEffortAsync(unloads);
            (_deployment, _retiredVersion) = (null, retired.ReplicaSetVersion);
            _progress.Clear();
            (_complete, _error) = (false, null);
            return new UndeployResult
            {
                Name = name,
                Stages = info.Replicas * info.Stages,
                Experts = info.ExpertReplicaSet.Count,
                Cancelled = cancelled,
                Unreached = unreached,
            };
        }
        finally
        {
            _retiring = false;
        }
    }

    /// <summary>
    /// After a first deployment failed (an expert that fits nowhere, a silo lost while loading): the stages and experts
    /// it activated let go of their weights. Their progress rows stay, so the failure can still be read.
    /// </summary>
    private Task ReleaseLoadedAsync()
    {
        var releases = new List<Task>();
        foreach (var (key, progress) in _progress)
        {
            releases.Add(progress.Kind == WeightLoading.Stage
                ? GrainFactory.GetGrain<IStageGrain>(key).Unload()
                : GrainFactory.GetGrain<IExpertGrain>(key).Retire());
        }

        return BestEffortAsync(releases);
    }

    /// <summary>Awaits releases of memory; one that fails is on a silo that is gone, whose activations hold nothing.</summary>
    private static async Task BestEffortAsync(List<Task> releases)
    {
        try
        {
            await Task.WhenAll(releases);
        }
        catch (Exception)
        {
            // See above: the caller's own outcome is what matters.
        }
    }

    /// <summary>
    /// Unloads the stages of <paramref name="plan"/> that <paramref name="replacedBy"/> (a redeployment with fewer
    /// stages or replicas) does not use, or all of them: nothing calls them any more, but they kept their weights.
    /// </summary>
    private List<Task> UnloadStages(DeploymentInfo plan, DeploymentInfo? replacedBy)
    {
        var unloads = new List<Task>();
        for (var r = 0; r < plan.Replicas; r++)
        {
            for (var s = 0; s < plan.Stages; s++)
            {
                if (replacedBy is null || r >= replacedBy.Replicas || s >= replacedBy.Stages)
                {
                    unloads.Add(GrainFactory.GetGrain<IStageGrain>(new StageKey(plan.Name, r, s).ToString()).Unload());
                }
            }
        }

        return unloads;
    }

    /// <summary>
    /// Retires the expert replicas (<paramref name="keys"/>: an older plan's, or a failed attempt's) that
    /// <paramref name="replacedBy"/> does not keep: no stage calls them any more, but until idle collection they held
    /// their weights and counted against the free memory placement plans with.
    /// </summary>
    private List<Task> RetireExperts(IEnumerable<string> keys, DeploymentInfo replacedBy)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in replacedBy.ExpertReplicaSet)
        {
            kept.Add(replica.Key);
        }

        var retires = new List<Task>();
        foreach (var key in keys)
        {
            if (!kept.Contains(key))
            {
                retires.Add(GrainFactory.GetGrain<IExpertGrain>(key).Retire());
            }
        }

        return retires;
    }

    private async Task StopPeriodicAsync(string name)
    {
        try
        {
            await GrainFactory.GetGrain<IExpertBalancerGrain>(name).StopPeriodic();
        }
        catch (Exception)
        {
            // The balancer's ticks then fail on their own: the model is not deployed.
        }
    }

    private async Task<(int Cancelled, List<string> Unreached)> RetireEverywhereAsync(DeploymentInfo retired, int drainMilliseconds)
    {
        var silos = DeploymentReplication.RecordSilos(membership.Current);
        var limit = TimeSpan.FromMilliseconds(drainMilliseconds) + RetireMargin;
        var calls = new Task<int>[silos.Count];
        for (var i = 0; i < silos.Count; i++)
        {
            calls[i] = GrainFactory.GetGrain<IDeploymentRecordGrain>(silos[i]).Retire(retired, drainMilliseconds).WaitAsync(limit);
        }

        var cancelled = 0;
        var unreached = new List<string>();
        for (var i = 0; i < calls.Length; i++)
        {
            try
            {
                cancelled += await calls[i];
            }
            catch (Exception)
            {
                // Leaving or unreachable: once the stages unload it has nothing to serve the model with.
                unreached.Add(silos[i]);
            }
        }

        return (cancelled, unreached);
    }
}
