namespace DistInfer.Runtime.Membership;

/// <summary>
/// The probing half of the protocol. Every tick (period = ProbeTimeout) it probes the agent's ring successors;
/// a probe still unanswered at the next tick has used its ProbeTimeout: the tick counts it missed (and cancels
/// it), so misses land at a steady pace whether a silo refuses or hangs. After NumMissedProbesLimit misses in a
/// row the agent votes; every further miss renews the vote.
/// </summary>
internal sealed class SiloProber(MembershipAgent agent)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, CancellationTokenSource> _inFlight = [];
    private readonly Dictionary<SiloAddress, int> _missed = [];

    public void OnTick()
    {
        if (agent.Stopping.IsCancellationRequested)
        {
            return;
        }

        var targets = ProbeTargetSelector.Select(agent.CurrentSnapshot, agent.LocalSilo, agent.Options.NumProbedSilos);
        KeyValuePair<SiloAddress, CancellationTokenSource>[] expired;
        lock (_lock)
        {
            expired = [.. _inFlight];
            _inFlight.Clear();
            foreach (var silo in _missed.Keys.ToList())
            {
                if (!targets.Contains(silo))
                {
                    _missed.Remove(silo);
                }
            }
        }

        foreach (var (target, probe) in expired)
        {
            try
            {
                probe.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It completed in the meantime; it was no longer in flight as far as we count.
            }

            HandleResult(target, answered: false);
        }

        foreach (var target in targets)
        {
            _ = ProbeAsync(target);
        }
    }

    private async Task ProbeAsync(SiloAddress target)
    {
        var probe = CancellationTokenSource.CreateLinkedTokenSource(agent.Stopping);
        lock (_lock)
        {
            _inFlight[target] = probe;
        }

        bool answered;
        try
        {
            answered = await agent.Probes.ProbeAsync(target, probe.Token).WaitAsync(probe.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Refused, reset or timed out: all the same to the protocol.
            answered = false;
        }

        bool abandoned;
        lock (_lock)
        {
            // Not in flight any more means the next tick already counted this probe as missed.
            abandoned = !(_inFlight.TryGetValue(target, out var current) && current == probe);
            if (!abandoned)
            {
                _inFlight.Remove(target);
            }
        }

        probe.Dispose();
        if (!abandoned && !agent.Stopping.IsCancellationRequested)
        {
            HandleResult(target, answered);
        }
    }

    private void HandleResult(SiloAddress target, bool answered)
    {
        int missed;
        lock (_lock)
        {
            missed = answered ? 0 : _missed.GetValueOrDefault(target) + 1;
            _missed[target] = missed;
        }

        if (answered)
        {
            return;
        }

        MembershipAgentLog.ProbeMissed(agent.Logger, target, missed);
        MembershipMetrics.MissedProbes.Add(1);
        if (missed >= agent.Options.NumMissedProbesLimit)
        {
            agent.Work.Enter();
            _ = VoteAsync(target);
        }
    }

    private async Task VoteAsync(SiloAddress target)
    {
        try
        {
            await agent.VoteAsync(target).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            MembershipAgentLog.Failed(agent.Logger, "vote", ex);
        }
        finally
        {
            agent.Work.Exit();
        }
    }
}
