using DistInfer.Grains.Deployments;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Placement;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// Rebalances experts onto silos that join: when a silo hosting expert grains becomes Active, the oldest active
/// expert silo (one per cluster, so a join causes one rebalance) waits <see cref="FabricOptions.JoinSettleDelay"/>
/// (joins meanwhile are folded in), then asks each model's balancer to rebalance. Only models deployed before the
/// join are touched: placement already ranked the new silo for later ones. Joins within
/// <see cref="FabricOptions.JoinRebalanceCooldown"/> of the last such rebalance wait for the cooldown to end.
/// </summary>
public sealed partial class SiloJoinRebalancer(
    IClusterMembershipService membership,
    DeploymentRecords records,
    FabricOptions options,
    TimeProvider time,
    ILogger<SiloJoinRebalancer> logger) : ISiloLifecycleParticipant, IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<string> _joined = [];
    private readonly HashSet<string> _models = new(StringComparer.Ordinal);
    private Runtime.Membership.SiloAddress _self;
    private Func<string, RebalanceRequest, Task<RebalanceResult>>? _rebalance;
    private ITimer? _timer;
    private long? _lastRun;
    private bool _running;
    private bool _stopped;
    private long _version = -1;

    /// <summary>Raised after each rebalance on join (tests and logs await it).</summary>
    public event Action<JoinRebalanceOutcome>? Completed;

    public Task OnStartedAsync(Silo silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var grains = silo.GrainFactory;
        Start(silo.Address, (model, request) => grains.GetGrain<IExpertBalancerGrain>(model).Rebalance(request));
        return Task.CompletedTask;
    }

    /// <summary>Starts listening as silo <paramref name="self"/>; <paramref name="rebalance"/> asks a model's balancer.</summary>
    internal void Start(Runtime.Membership.SiloAddress self, Func<string, RebalanceRequest, Task<RebalanceResult>> rebalance)
    {
        if (!options.RebalanceOnJoin)
        {
            return;
        }

        lock (_lock)
        {
            _self = self;
            _rebalance = rebalance;

            // Silos already there when this one started are not joins it has to answer.
            var current = membership.Current;
            _version = current.Version;
            foreach (var s in ExpertPlacementPlanner.ExpertSilos(current))
            {
                _known.Add(s.Address.ToString());
            }
        }

        membership.Changed += OnChanged;
    }

    public Task OnStoppingAsync(Silo silo, bool graceful)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        membership.Changed -= OnChanged;
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void OnChanged(ClusterMembershipSnapshot view)
    {
        var silos = ExpertPlacementPlanner.ExpertSilos(view);
        lock (_lock)
        {
            // Views can arrive out of order (membership raises Changed outside its lock): an older one would drop a
            // silo that joined from the known set, and the next view would count it as joining again.
            if (_stopped || view.Version < _version)
            {
                return;
            }

            _version = view.Version;

            var joined = new List<string>();
            var current = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in silos)
            {
                var address = s.Address.ToString();
                current.Add(address);
                if (_known.Add(address))
                {
                    joined.Add(address);
                }
            }

            _known.IntersectWith(current);
            if (joined.Count == 0 || !ActingSilo.Is(_self, silos))
            {
                return;
            }

            // The models deployed now are the ones whose placement did not know the new silo.
            foreach (var info in records.Deployed())
            {
                if (info.MoeLayers.Count > 0)
                {
                    _models.Add(info.Name);
                }
            }

            if (_models.Count == 0)
            {
                // Nothing deployed yet: whatever is deployed later is placed knowing this silo.
                return;
            }

            _joined.AddRange(joined);
            LogJoined(logger, string.Join(", ", joined), _models.Count);
            if (!_running)
            {
                Schedule();
            }
        }
    }

    // Under _lock.
    private void Schedule()
    {
        var delay = options.JoinSettleDelay;
        if (_lastRun is { } last)
        {
            var cooldownLeft = options.JoinRebalanceCooldown - time.GetElapsedTime(last);
            delay = cooldownLeft > delay ? cooldownLeft : delay;
        }

        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        if (_timer is null)
        {
            _timer = time.CreateTimer(_ => _ = RunAsync(), null, delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RunAsync()
    {
        string[] joined;
        string[] models;
        Func<string, RebalanceRequest, Task<RebalanceResult>> rebalance;
        lock (_lock)
        {
            if (_stopped || _running || _rebalance is null)
            {
                return;
            }

            _running = true;
            joined = [.. _joined];
            models = [.. _models];
            rebalance = _rebalance;
            _joined.Clear();
            _models.Clear();
        }

        var results = new Dictionary<string, RebalanceResult?>(StringComparer.Ordinal);
        var errors = new Dictionary<string, Exception>(StringComparer.Ordinal);
        var request = options.Rebalance with { SpreadWhenIdle = true, RaiseToDeployedReplicas = true };
        foreach (var model in models)
        {
            try
            {
                var result = await rebalance(model, request).ConfigureAwait(false);
                results[model] = result;
                LogRebalanced(logger, model, result.Added, result.Removed, result.ExpectedBalancedness);
            }
            catch (Exception e)
            {
                // The replica set stays as committed; the next join, the periodic balancer or an operator tries again.
                results[model] = null;
                errors[model] = e;
                LogFailed(logger, model, e);
            }
        }

        lock (_lock)
        {
            _running = false;
            _lastRun = time.GetTimestamp();
            if (_models.Count > 0 && !_stopped)
            {
                Schedule();
            }
        }

        Completed?.Invoke(new JoinRebalanceOutcome(joined, results, errors));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "silo(s) {Silos} joined: rebalancing {Models} model(s) onto them after the settle delay")]
    private static partial void LogJoined(ILogger logger, string silos, int models);

    [LoggerMessage(Level = LogLevel.Information, Message = "rebalanced {Model} after a join: {Added} replicas added, {Removed} removed, balancedness {Expected:F2} expected")]
    private static partial void LogRebalanced(ILogger logger, string model, int added, int removed, double expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rebalancing {Model} after a join failed")]
    private static partial void LogFailed(ILogger logger, string model, Exception exception);
}
