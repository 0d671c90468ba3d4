using System.Collections.Concurrent;
using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Activation;

/// <summary>
/// The activations of this silo: creating them (after winning the directory registration), stateless worker pools,
/// idle collection on a TimeProvider timer, and forgetting them when they deactivate.
/// </summary>
internal sealed class Catalog : IActivationHost, IDisposable
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ConcurrentDictionary<GrainId, StatelessWorkerGroup> _workers = new();
    private readonly ConcurrentDictionary<Task, byte> _unregistering = new();
    private readonly SiloOptions _options;
    private readonly GrainDirectory _directory;
    private readonly SiloAddress _self;
    private readonly Action<ActivationData, WorkItem> _reroute;
    private ITimer? _collector;

    public Catalog(IServiceProvider services, IGrainFactory grainFactory, TimeProvider time, SiloOptions options, GrainDirectory directory, SiloAddress self, Action<ActivationData, WorkItem> reroute)
    {
        Services = services;
        GrainFactory = grainFactory;
        Time = time;
        _options = options;
        _directory = directory;
        _self = self;
        _reroute = reroute;
        SiloIdentity = self.ToString();
    }

    public IServiceProvider Services { get; }

    public IGrainFactory GrainFactory { get; }

    public TimeProvider Time { get; }

    public string SiloIdentity { get; }

    public int ActivationCount
    {
        get
        {
            var count = _activations.Count;
            foreach (var group in _workers.Values)
            {
                count += group.Count;
            }

            return count;
        }
    }

    public void StartCollector() =>
        _collector = Time.CreateTimer(static s => ((Catalog)s!).CollectIdle(), this, _options.CollectionQuantum, _options.CollectionQuantum);

    public bool TryGetLocal(GrainId grainId, out ActivationData activation) => _activations.TryGetValue(grainId, out activation!);

    public bool HostsStatelessWorker(GrainId grainId, out GrainClassInfo info) =>
        GrainTypeRegistry.TryGetImplementation(grainId.Type, out info) && info.IsStatelessWorker && _options.GrainClassFilter(info.ClassType);

    public ActivationData GetWorker(GrainId grainId, GrainClassInfo info)
    {
        var group = _workers.GetOrAdd(grainId, static (_, max) => new StatelessWorkerGroup(max), info.StatelessWorkerMax);
        var worker = group.Pick(() => new ActivationData(grainId, info, this), out var created);
        if (created)
        {
            _ = worker.ActivateAsync(CancellationToken.None);
        }

        return worker;
    }

    /// <summary>The local activation, a new one registered at the directory, or (null, winner) when another silo has it.</summary>
    public async ValueTask<(ActivationData? Activation, SiloAddress Winner)> GetOrActivateAsync(GrainId grainId)
    {
        if (_activations.TryGetValue(grainId, out var existing))
        {
            return (existing, _self);
        }

        if (!GrainTypeRegistry.TryGetImplementation(grainId.Type, out var info) || !_options.GrainClassFilter(info.ClassType))
        {
            throw new InvalidOperationException($"Unknown grain type '{grainId.Type}': no grain class on silo {_self} implements it");
        }

        var activation = new ActivationData(grainId, info, this);
        while (!_activations.TryAdd(grainId, activation))
        {
            // Another call here is activating it; that one may lose the directory race and leave before we read it.
            if (_activations.TryGetValue(grainId, out existing))
            {
                return (existing, _self);
            }
        }

        SiloAddress winner;
        try
        {
            winner = await _directory.RegisterAsync(grainId, _self).ConfigureAwait(false);
        }
        catch
        {
            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(grainId, activation));
            activation.Abandon();
            throw;
        }

        if (winner != _self)
        {
            // Lost the race: another silo registered first; never run a second activation.
            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(grainId, activation));
            activation.Abandon();
            return (null, winner);
        }

        _ = activation.ActivateAsync(CancellationToken.None);
        return (activation, _self);
    }

    public void Reroute(ActivationData from, WorkItem item) => _reroute(from, item);

    public void OnDeactivated(ActivationData activation)
    {
        if (activation.ClassInfo.IsStatelessWorker)
        {
            if (_workers.TryGetValue(activation.GrainId, out var group))
            {
                group.Remove(activation);
            }

            return;
        }

        if (_activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation)))
        {
            // Tracked so a graceful stop leaves only after the owners dropped its entries.
            var unregistering = UnregisterAsync(activation.GrainId);
            if (!unregistering.IsCompleted && _unregistering.TryAdd(unregistering, 0))
            {
                _ = unregistering.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _unregistering, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Re-registers local activations whose directory owner changed; duplicates found are deactivated.</summary>
    public async Task HandOffAsync()
    {
        foreach (var activation in _activations.Values)
        {
            try
            {
                var winner = await _directory.RegisterAsync(activation.GrainId, _self).ConfigureAwait(false);
                if (winner != _self)
                {
                    _ = activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.DirectoryConflict, $"{winner} owns it"));
                }
            }
            catch (Exception)
            {
                // The owner is unreachable; the next membership change retries.
            }
        }
    }

    /// <summary>
    /// Deactivates everything and waits until the directory owners dropped the entries, so a silo leaving
    /// gracefully leaves no entry behind (a grain activated here again meanwhile is dropped when the silo leaves).
    /// </summary>
    public async Task DeactivateAllAsync(DeactivationReason reason)
    {
        await DeactivateEveryActivationAsync(reason).ConfigureAwait(false);
        await Task.WhenAll(_unregistering.Keys).ConfigureAwait(false);
    }

    private async Task DeactivateEveryActivationAsync(DeactivationReason reason)
    {
        var tasks = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            tasks.Add(activation.RequestDeactivation(reason));
        }

        foreach (var group in _workers.Values)
        {
            foreach (var worker in group.Snapshot())
            {
                tasks.Add(worker.RequestDeactivation(reason));
            }
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>One collection pass (also called by tests).</summary>
    public void CollectIdle()
    {
        foreach (var activation in _activations.Values)
        {
            TryCollect(activation);
        }

        foreach (var group in _workers.Values)
        {
            foreach (var worker in group.Snapshot())
            {
                TryCollect(worker);
            }
        }
    }

    public void Dispose() => _collector?.Dispose();

    private void TryCollect(ActivationData activation)
    {
        if (activation.IsIdle(activation.ClassInfo.CollectionAgeLimit ?? _options.DefaultCollectionAge))
        {
            _ = activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle"));
        }
    }

    private async Task UnregisterAsync(GrainId grainId)
    {
        try
        {
            await _directory.UnregisterAsync(grainId, _self).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The owner is gone; its entries went with it.
        }
    }
}
