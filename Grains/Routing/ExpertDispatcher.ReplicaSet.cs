using DistInfer.Engine.Model;

namespace DistInfer.Grains.Routing;

/// <summary>The dispatcher's replica set: updates from the balancer, the draining of replicas that left, statistics.</summary>
public sealed partial class ExpertDispatcher
{
    /// <summary>The replica-set version dispatched to (-1 before the first update).</summary>
    public long Version { get; private set; } = -1;

    /// <summary>
    /// Takes the request's replica set unless it is older than the one in use. Replicas that left the set get no new
    /// tokens; the returned task completes once their calls in flight have returned.
    /// </summary>
    public Task UpdateAsync(StageLoadRequest request)
    {
        if (request.ReplicaSetVersion < Version)
        {
            return Task.CompletedTask;
        }

        _request = request;
        Version = request.ReplicaSetVersion;
        var previous = new Dictionary<string, ReplicaSlot>(_slots, StringComparer.Ordinal);
        _table.Clear();
        _slots.Clear();
        var grouped = new Dictionary<(int Layer, int Expert), List<ReplicaSlot>>();
        foreach (var replica in request.ExpertReplicaSet)
        {
            var slot = previous.Remove(replica.Key, out var kept) ? kept : new ReplicaSlot(replica.Key, replica.Layer, replica.Expert, replica.Replica);
            _slots[replica.Key] = slot;
            if (!grouped.TryGetValue((replica.Layer, replica.Expert), out var list))
            {
                grouped[(replica.Layer, replica.Expert)] = list = [];
            }

            list.Add(slot);
        }

        foreach (var (expert, list) in grouped)
        {
            _table[expert] = [.. list];
        }

        foreach (var gone in previous.Values)
        {
            if (gone.Outstanding > 0)
            {
                _draining.Add(gone);
            }
        }

        return DrainedAsync();
    }

    private Task DrainedAsync()
    {
        _draining.RemoveAll(s => s.Outstanding == 0);
        if (_draining.Count == 0)
        {
            return Task.CompletedTask;
        }

        _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _drained.Task;
    }

    /// <summary>The replica with the fewest outstanding tokens; ties go to the fewest dispatched, then the first.</summary>
    public static ReplicaSlot Pick(ReplicaSlot[] slots)
    {
        var best = slots[0];
        for (var i = 1; i < slots.Length; i++)
        {
            var s = slots[i];
            var o = s.Outstanding;
            var bo = best.Outstanding;
            if (o < bo || (o == bo && s.Dispatched < best.Dispatched))
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>Rows per replica: each row goes to the replica with the fewest outstanding plus assigned rows.</summary>
    public static int[] Split(ReplicaSlot[] slots, int count)
    {
        var level = new long[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            level[i] = slots[i].Outstanding;
        }

        var shares = new int[slots.Length];
        for (var t = 0; t < count; t++)
        {
            var best = 0;
            for (var i = 1; i < slots.Length; i++)
            {
                if (level[i] < level[best] || (level[i] == level[best] && slots[i].Dispatched < slots[best].Dispatched))
                {
                    best = i;
                }
            }

            shares[best]++;
            level[best]++;
        }

        return shares;
    }

    private ReplicaSlot[] SlotsOf(TransformerModel model, int layer, int expert)
    {
        if (_table.TryGetValue((layer, expert), out var slots))
        {
            return slots;
        }

        // A request without a replica set (older deployments): replicas 0..n-1 with unpinned keys.
        var request = _request ?? throw new InvalidOperationException("the expert dispatcher has no replica set; load the stage first");
        var index = model.Config.MoeLayerOrdinal(layer) * model.Config.NumExperts + expert;
        var count = request.ExpertReplicaCounts.Count > index ? request.ExpertReplicaCounts[index] : 1;
        slots = new ReplicaSlot[count];
        for (var r = 0; r < count; r++)
        {
            var key = new ExpertKey(request.Model, layer, expert, r).ToString();
            slots[r] = _slots.TryGetValue(key, out var known) ? known : _slots[key] = new ReplicaSlot(key, layer, expert, r);
        }

        _table[(layer, expert)] = slots;
        return slots;
    }

    /// <summary>Tokens dispatched and outstanding per replica in the current set.</summary>
    public List<ExpertDispatchRow> Statistics()
    {
        var rows = new List<ExpertDispatchRow>(_slots.Count);
        foreach (var s in _slots.Values)
        {
            rows.Add(new ExpertDispatchRow
            {
                Key = s.Key,
                Layer = s.Layer,
                Expert = s.Expert,
                Replica = s.Replica,
                Dispatched = s.Dispatched,
                Outstanding = s.Outstanding,
                Calls = s.Calls,
                CallSeconds = s.CallTime.TotalSeconds,
            });
        }

        return rows;
    }
}
