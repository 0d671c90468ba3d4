using DistInfer.Engine;
using DistInfer.Engine.Partitioning;
using DistInfer.Grains.Placement;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// One per model. Load is what each expert replica served since the last rebalance or reset (the replicas' own
/// token counters, less a baseline taken then) plus the tokens in flight that the stages' dispatchers report.
/// A rebalance plans a new replica set (<see cref="RebalancePlanner"/>), loads the new replicas' weights, commits the
/// set in the registry, hands it to every stage (each drains the replicas that left before answering), and only then
/// retires the replicas that left, so no token is sent to a replica that is going away.
/// </summary>
public sealed partial class ExpertBalancerGrain(IClusterMembershipService membership, ILogger<ExpertBalancerGrain> logger) : Grain, IExpertBalancerGrain
{
    private readonly Dictionary<string, long> _baseline = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;

    private string Model => this.GetPrimaryKeyString();

    private IModelRegistryGrain Registry => GrainFactory.GetGrain<IModelRegistryGrain>(Model);

    public async Task<ExpertLoadReport> Report() => (await CollectAsync()).Report;

    public async Task ResetStatistics()
    {
        var (_, _, raw) = await CollectAsync();
        Rebase(raw);
    }

    public async Task<RebalanceResult> Rebalance(RebalanceRequest request)
    {
        var (info, report, raw) = await CollectForRebalanceAsync();
        var silos = ExpertPlacementPlanner.ExpertSilos(membership.Current).Select(s => ExpertKey.PinOf(s.Address.ToString())).ToList();
        var floor = Math.Clamp(info.ExpertReplicas, 1, Math.Max(1, silos.Count));
        if (!request.RaiseToDeployedReplicas)
        {
            Validate(info, request, floor);
        }

        var idle = report.Tokens < Math.Max(1, request.MinTokens);
        if (idle && !request.SpreadWhenIdle)
        {
            return Unchanged(info, report.Balancedness, report.Balancedness);
        }

        var current = new List<(ExpertReplicaInfo, long, string)>(info.ExpertReplicaSet.Count);
        for (var i = 0; i < info.ExpertReplicaSet.Count; i++)
        {
            current.Add((info.ExpertReplicaSet[i], idle ? 1 : report.Rows[i].Tokens, ExpertKey.PinOf(report.Rows[i].Silo)));
        }

        var plan = RebalancePlanner.Plan(info.Name, info.MoeLayers, info.NumExperts, current, silos, request, floor);
        if (!plan.Changed)
        {
            Rebase(raw);
            return Unchanged(info, plan.BalancednessBefore, plan.ExpectedBalancedness);
        }

        var updated = await ApplyAsync(info, plan);
        Rebase(raw);
        LogRebalanced(logger, updated.Name, updated.ReplicaSetVersion, plan.Added.Count, plan.Removed.Count, plan.BalancednessBefore, plan.ExpectedBalancedness);
        return new RebalanceResult
        {
            Changed = true,
            ReplicaSetVersion = updated.ReplicaSetVersion,
            Added = plan.Added.Count,
            Removed = plan.Removed.Count,
            BalancednessBefore = plan.BalancednessBefore,
            ExpectedBalancedness = plan.ExpectedBalancedness,
            Replicas = updated.ExpertReplicaSet,
        };
    }

    /// <summary>
    /// Loads the plan's new replicas, commits the set, hands it to every stage (each drains the replicas that left
    /// before answering) and only then retires the replicas that left, so no token goes to one that is going away.
    /// </summary>
    private async Task<DeploymentInfo> ApplyAsync(DeploymentInfo info, RebalancePlan plan)
    {
        var loads = Task.WhenAll(plan.Added.Select(a => GrainFactory.GetGrain<IExpertGrain>(a.Key)
            .Load(new ExpertLoadRequest { ModelPath = info.ModelPath, Layer = a.Layer, Expert = a.Expert, Sources = info.Sources })));
        try
        {
            await loads;
        }
        catch (Exception)
        {
            // Whatever failed (a lost silo, a load that timed out, a bad weight file), the replicas that did load hold
            // their weights for a set that will never be committed: release them, then say what went wrong. A lost
            // silo among several failures still reads as the interruption it is.
            await RetireUncommittedAsync(plan);
            var failures = loads.Exception?.InnerExceptions ?? [];
            if (failures.OfType<SiloUnavailableException>().FirstOrDefault() is { } lost)
            {
                throw Interrupted(lost, $"Nothing was committed: the model serves on with replica set {info.ReplicaSetVersion}.");
            }

            throw;
        }

        DeploymentInfo updated;
        try
        {
            updated = await Registry.UpdateExpertReplicas([.. plan.Replicas], info.ReplicaSetVersion);
        }
        catch (SiloUnavailableException e)
        {
            throw Interrupted(e, $"The registry did not answer: replica set {info.ReplicaSetVersion + 1} may or may not have been committed (`distinfer status` lists the replicas serving).");
        }
        catch (InvalidOperationException)
        {
            // Refused (another rebalance committed first, or the model was undeployed meanwhile): the replicas
            // loaded for this set would keep their weights with nothing to serve.
            await Task.WhenAll(plan.Added.Select(a => GrainFactory.GetGrain<IExpertGrain>(a.Key).Retire()));
            throw;
        }

        var stages = ModelRegistryGrain.LoadStages(GrainFactory, updated);

        try
        {
            await Task.WhenAll(stages);
            await Task.WhenAll(plan.Removed.Select(x => GrainFactory.GetGrain<IExpertGrain>(x.Key).Retire()));
        }
        catch (SiloUnavailableException e)
        {
            throw Interrupted(e, $"Replica set {updated.ReplicaSetVersion} was committed, but not every stage may have taken it and replicas that left may still hold their weights: the rebalance is partial.");
        }

        return updated;
    }

    public Task StartPeriodic(RebalanceRequest request, TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new DistInferException($"rebalance period must be positive (got {period})");
        }

        _timer?.Dispose();
        _timer = RegisterGrainTimer(_ => PeriodicAsync(request), period, period);

        // Timer ticks do not count as activity; keep the activation (and its timer) alive.
        DelayDeactivation(TimeSpan.FromDays(365));
        return Task.CompletedTask;
    }

    public Task StopPeriodic()
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    private async Task PeriodicAsync(RebalanceRequest request)
    {
        try
        {
            if (await Registry.Describe() is null)
            {
                // Undeployed (a StartPeriodic may even land after the undeployment's StopPeriodic): stop ticking and
                // let the activation go, instead of a warning every period for a year.
                await StopPeriodic();
                DelayDeactivation(TimeSpan.Zero);
                DeactivateOnIdle();
                return;
            }

            await Rebalance(request with { RaiseToDeployedReplicas = true });
        }
        catch (Exception e)
        {
            // The next tick tries again; a failed rebalance leaves the committed replica set serving.
            LogPeriodicFailed(logger, Model, e);
        }
    }

    /// <summary>An explicit budget below what the deployment keeps is refused rather than quietly raised.</summary>
    private static void Validate(DeploymentInfo info, RebalanceRequest request, int floor)
    {
        if (request.SlotsPerLayer < 0 || request.MaxReplicasPerExpert < 0)
        {
            throw new DistInferException($"slots per layer and replicas per expert cannot be negative (got {request.SlotsPerLayer}, {request.MaxReplicasPerExpert})");
        }

        if (info.NumExperts > 0 && request.SlotsPerLayer > 0 && request.SlotsPerLayer < info.NumExperts * floor)
        {
            throw new DistInferException($"{request.SlotsPerLayer} slots per layer cannot hold {info.NumExperts} experts with {floor} replica(s) each "
                + $"(model {info.Name} was deployed with {info.ExpertReplicas} expert replica(s)); ask for at least {info.NumExperts * floor}");
        }

        if (request.MaxReplicasPerExpert > 0 && request.MaxReplicasPerExpert < floor)
        {
            throw new DistInferException($"at most {request.MaxReplicasPerExpert} replica(s) per expert is fewer than the {floor} model {info.Name} keeps "
                + $"(deployed with {info.ExpertReplicas} expert replica(s))");
        }
    }

    private static RebalanceResult Unchanged(DeploymentInfo info, double before, double expected) => new()
    {
        Changed = false,
        ReplicaSetVersion = info.ReplicaSetVersion,
        BalancednessBefore = before,
        ExpectedBalancedness = expected,
        Replicas = info.ExpertReplicaSet,
    };

    private void Rebase(Dictionary<string, long> raw)
    {
        _baseline.Clear();
        foreach (var (key, tokens) in raw)
        {
            _baseline[key] = tokens;
        }
    }

    private async Task<(DeploymentInfo Info, ExpertLoadReport Report, Dictionary<string, long> Raw)> CollectAsync()
    {
        var info = await Registry.Describe() ?? throw new DistInferException($"model {Model} is not deployed");
        var statuses = await Task.WhenAll(info.ExpertReplicaSet.Select(r => GrainFactory.GetGrain<IExpertGrain>(r.Key).Status()));
        var outstanding = await OutstandingAsync(info);
        var raw = new Dictionary<string, long>(StringComparer.Ordinal);
        var rows = new List<ExpertLoadRow>(statuses.Length);
        long total = 0;
        for (var i = 0; i < statuses.Length; i++)
        {
            var replica = info.ExpertReplicaSet[i];
            var served = statuses[i].Tokens;
            raw[replica.Key] = served;

            // A replica reactivated since the baseline (its silo died) counts from zero again.
            var baseline = _baseline.GetValueOrDefault(replica.Key);
            var tokens = served >= baseline ? served - baseline : served;
            total += tokens;
            rows.Add(new ExpertLoadRow
            {
                Layer = replica.Layer,
                Expert = replica.Expert,
                Replica = replica.Replica,
                Key = replica.Key,
                Silo = statuses[i].Silo,
                Tokens = tokens,
                Outstanding = outstanding.GetValueOrDefault(replica.Key),
            });
        }

        var layers = new List<double>(info.MoeLayers.Count);
        foreach (var layer in info.MoeLayers)
        {
            layers.Add(ExpertBalancer.Balancedness(rows.Where(r => r.Layer == layer).Select(r => (double)r.Tokens)));
        }

        var report = new ExpertLoadReport
        {
            Model = info.Name,
            ReplicaSetVersion = info.ReplicaSetVersion,
            Rows = rows,
            LayerBalancedness = layers,
            Balancedness = layers.Count == 0 ? 1 : layers.Min(),
            Tokens = total,
        };
        return (info, report, raw);
    }

    private async Task<Dictionary<string, long>> OutstandingAsync(DeploymentInfo info)
    {
        var calls = new List<Task<StageStatus>>();
        for (var r = 0; r < info.Replicas; r++)
        {
            for (var s = 0; s < info.Stages; s++)
            {
                calls.Add(GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, s).ToString()).Status());
            }
        }

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in await Task.WhenAll(calls))
        {
            foreach (var row in status.Dispatch)
            {
                result[row.Key] = result.GetValueOrDefault(row.Key) + row.Outstanding;
            }
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "rebalanced {Model} to replica set {Version}: {Added} added, {Removed} removed, balancedness {Before:F2} -> {Expected:F2} expected")]
    private static partial void LogRebalanced(ILogger logger, string model, long version, int added, int removed, double before, double expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "periodic rebalance of {Model} failed")]
    private static partial void LogPeriodicFailed(ILogger logger, string model, Exception exception);
}
