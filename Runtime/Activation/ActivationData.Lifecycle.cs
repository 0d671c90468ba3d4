namespace DistInfer.Runtime.Activation;

/// <summary>Activation and deactivation of an <see cref="ActivationData"/>.</summary>
internal sealed partial class ActivationData
{
    /// <summary>Creates the grain and runs OnActivateAsync as the first turn; queued requests start after it.</summary>
    public async Task ActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            _state = ActivationState.Activating;
            var instance = ClassInfo.Create(_host.Services);
            (instance as Grain)?.Attach(this);
            _instance = instance;
            if (instance is Grain grain)
            {
                await Task.Factory.StartNew(
                    () => grain.OnActivateAsync(cancellationToken),
                    CancellationToken.None,
                    TaskCreationOptions.DenyChildAttach,
                    Scheduler).Unwrap().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            List<WorkItem> failed;
            lock (_lock)
            {
                _activationError = ex;
                _state = ActivationState.Invalid;
                failed = [.. _waiting];
                _waiting.Clear();
            }

            foreach (var item in failed)
            {
                item.Sink.Fail(ex);
            }

            _host.OnDeactivated(this);
            _deactivated.TrySetResult();
            throw;
        }

        RuntimeMetrics.ActivationAdded();
        List<WorkItem>? start = null;
        bool deactivate;
        lock (_lock)
        {
            _state = ActivationState.Valid;

            // A deactivation asked for while activating (a silo stopping) runs now; the queued requests move on.
            deactivate = _deactivateRequested;
            if (deactivate)
            {
                _state = ActivationState.Deactivating;
            }
            else
            {
                start = TakeRunnable();
            }
        }

        if (deactivate)
        {
            _ = DeactivateCoreAsync();
            return;
        }

        StartAll(start);
    }

    private async Task DeactivateCoreAsync()
    {
        GrainTimer[] timers;
        lock (_lock)
        {
            timers = [.. _timers];
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }

        if (_instance is Grain grain)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), _host.Time);
            try
            {
                await Task.Factory.StartNew(
                    () => grain.OnDeactivateAsync(_reason, cts.Token),
                    CancellationToken.None,
                    TaskCreationOptions.DenyChildAttach,
                    Scheduler).Unwrap().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A failing OnDeactivateAsync must not keep the activation alive.
            }
        }

        List<WorkItem> leftovers;
        lock (_lock)
        {
            _state = ActivationState.Invalid;
            leftovers = [.. _waiting];
            _waiting.Clear();
        }

        RuntimeMetrics.ActivationRemoved();
        _host.OnDeactivated(this);

        // Rerouted before Deactivated completes, so a silo stopping after it still sees them as forwards in flight.
        foreach (var item in leftovers)
        {
            _host.Reroute(this, item);
        }

        _deactivated.TrySetResult();
    }

    /// <summary>Never activated (lost the directory race): hand queued requests back to routing.</summary>
    public void Abandon()
    {
        List<WorkItem> leftovers;
        lock (_lock)
        {
            _state = ActivationState.Invalid;
            leftovers = [.. _waiting];
            _waiting.Clear();
        }

        _deactivated.TrySetResult();
        foreach (var item in leftovers)
        {
            _host.Reroute(this, item);
        }
    }

    /// <summary>Deactivates once the running requests complete; waiting ones are rerouted to a new activation.</summary>
    public Task RequestDeactivation(DeactivationReason reason)
    {
        bool now;
        lock (_lock)
        {
            if (_deactivateRequested || _state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                return _deactivated.Task;
            }

            // Still creating or activating: ActivateAsync deactivates once OnActivateAsync is done. Ignoring the
            // request instead left a silo's drain waiting out its timeout for a grain called just before it stopped.
            _deactivateRequested = true;
            _reason = reason;
            now = _running == 0 && _state == ActivationState.Valid;
            if (now)
            {
                _state = ActivationState.Deactivating;
            }
        }

        if (now)
        {
            _ = DeactivateCoreAsync();
        }

        return _deactivated.Task;
    }
}
