using DistInfer.Grains.Deployments;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Placement;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Membership;
using Microsoft.Extensions.Logging;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// Repairs expert replica sets when a silo that hosted expert grains is declared dead (not when it leaves
/// gracefully: a silo seen shutting down is left to its drain): the oldest active expert silo (one per cluster) asks
/// each deployed MoE model's balancer to <see cref="IExpertBalancerGrain.Repair"/> right away, without a settle delay. Placement already reactivates the
/// dead silo's replicas on silos holding no other replica of their expert (<see cref="ExpertReplacement"/>); the
/// repair pins them there in the committed set, so that stages group calls by the right silo and a later silo on the
/// dead one's endpoint does not draw them back beside a sibling. Deaths noticed while a repair runs cause another.
/// </summary>
public sealed partial class SiloDeathRepairer(
    IClusterMembershipService membership,
    DeploymentRecords records,
    FabricOptions options,
    ILogger<SiloDeathRepairer> logger,
    TimeProvider? time = null) : ISiloLifecycleParticipant, IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<SiloAddress> _known = [];
    private readonly HashSet<SiloAddress> _leaving = [];
    private readonly List<string> _dead = [];
    private readonly CancellationTokenSource _stopping = new();
    private SiloAddress _self;
    private Func<string, Task<RebalanceResult>>? _repair;
    private bool _running;
    private bool _stopped;
    private long _version = -1;

    /// <summary>Raised after each repair (tests and logs await it).</summary>
    public event Action<SiloDeathRepairOutcome>? Completed;

    public Task OnStartedAsync(Silo silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var grains = silo.GrainFactory;
        Start(silo.Address, model => grains.GetGrain<IExpertBalancerGrain>(model).Repair());
        return Task.CompletedTask;
    }

    /// <summary>Starts listening as silo <paramref name="self"/>; <paramref name="repair"/> asks a model's balancer.</summary>
    internal void Start(SiloAddress self, Func<string, Task<RebalanceResult>> repair)
    {
        if (!options.RepairOnSiloDeath)
        {
            return;
        }

        lock (_lock)
        {
            _self = self;
            _repair = repair;
            var current = membership.Current;
            _version = current.Version;
            foreach (var s in ExpertPlacementPlanner.ExpertSilos(current))
            {
                _known.Add(s.Address);
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
        }

        // Ends a retry's wait: a stopping silo must not repair again after it (see OnChanged on whole-cluster shutdowns).
        _stopping.Cancel();
    }

    private void OnChanged(ClusterMembershipSnapshot view)
    {
        var silos = ExpertPlacementPlanner.ExpertSilos(view);
        lock (_lock)
        {
            // Views can arrive out of order; an older one must not bring a dead silo back into the known set.
            if (_stopped || view.Version < _version)
            {
                return;
            }

            _version = view.Version;

            // A silo seen shutting down left gracefully: its drain moved its grains through placement already, and
            // repairing then would load replicas onto silos that may be stopping too (a whole cluster's shutdown).
            var dead = new List<string>();
            foreach (var known in _known)
            {
                var present = view.TryGet(known, out var info);
                if (present && info.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping)
                {
                    _leaving.Add(known);
                }
                else if (!present || info.Status == SiloStatus.Dead)
                {
                    if (!_leaving.Remove(known))
                    {
                        dead.Add(known.ToString());
                    }
                }
            }

            _known.RemoveWhere(s => !view.TryGet(s, out var info) || info.Status == SiloStatus.Dead);
            foreach (var s in silos)
            {
                _known.Add(s.Address);
            }

            // Every silo tracks deaths, one acts: should it die too, the next oldest sees that death and repairs all.
            if (dead.Count == 0 || !ActingSilo.Is(_self, silos))
            {
                return;
            }

            _dead.AddRange(dead);
            LogDied(logger, string.Join(", ", dead));
            if (!_running)
            {
                _running = true;
                _ = Task.Run(RunAsync);
            }
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            string[] dead;
            Func<string, Task<RebalanceResult>> repair;
            lock (_lock)
            {
                if (_stopped || _dead.Count == 0 || _repair is null)
                {
                    _running = false;
                    return;
                }

                dead = [.. _dead];
                repair = _repair;
                _dead.Clear();
            }

            var results = new Dictionary<string, RebalanceResult?>(StringComparer.Ordinal);
            var errors = new Dictionary<string, Exception>(StringComparer.Ordinal);
            foreach (var info in records.Deployed())
            {
                if (info.MoeLayers.Count == 0)
                {
                    continue;
                }

                var (result, error, tries) = await RepairWithRetriesAsync(info.Name, repair).ConfigureAwait(false);
                results[info.Name] = result;
                if (error is not null)
                {
                    // Placement still keeps reactivated replicas apart; the next death, a rebalance or an operator re-pins them.
                    errors[info.Name] = error;
                    LogFailed(logger, info.Name, tries, error);
                }
                else if (result!.Changed)
                {
                    LogRepaired(logger, info.Name, result.Added, result.Removed);
                }
            }

            try
            {
                Completed?.Invoke(new SiloDeathRepairOutcome(dead, results, errors));
            }
            catch (Exception e)
            {
                // A listener's failure must not stop the repairs after the next deaths.
                LogListenerFailed(logger, e);
            }
        }
    }

    private async Task<(RebalanceResult? Result, Exception? Error, int Tries)> RepairWithRetriesAsync(string model, Func<string, Task<RebalanceResult>> repair)
    {
        var attempts = Math.Max(1, options.RepairAttempts);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await repair(model).ConfigureAwait(false), null, attempt);
            }
            catch (Exception e) when (!RepairFailures.IsTransient(e))
            {
                // Another try would fail the same way and hold up the other models' repairs by its waits.
                LogGaveUp(logger, model, e.Message);
                return (null, e, attempt);
            }
            catch (Exception e) when (attempt < attempts && !Volatile.Read(ref _stopped))
            {
                LogRetrying(logger, model, attempt, e.Message);
                var delay = options.RepairRetryDelay > TimeSpan.Zero ? options.RepairRetryDelay * attempt : TimeSpan.Zero;
                try
                {
                    await Task.Delay(delay, time ?? TimeProvider.System, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return (null, e, attempt);
                }
            }
            catch (Exception e)
            {
                return (null, e, attempt);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "expert silo(s) {Silos} declared dead: repairing the expert replica sets of deployed models")]
    private static partial void LogDied(ILogger logger, string silos);

    [LoggerMessage(Level = LogLevel.Information, Message = "repaired {Model} after a silo death: {Added} replicas added on live silos, {Removed} removed")]
    private static partial void LogRepaired(ILogger logger, string model, int added, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a listener of the repair after a silo death failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "repairing {Model} after a silo death failed on try {Attempt} ({Reason}); trying again")]
    private static partial void LogRetrying(ILogger logger, string model, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "repairing {Model} after a silo death failed ({Reason}), which another try cannot cure (not a lost silo, connection or timeout); not trying again")]
    private static partial void LogGaveUp(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "repairing {Model} after a silo death failed {Attempts} times; a rebalance re-pins its replicas")]
    private static partial void LogFailed(ILogger logger, string model, int attempts, Exception exception);
}
