namespace DistInfer.Runtime.Activation;

/// <summary>The local activations of one stateless worker grain id: an idle one, a new one up to the limit, or the least busy.</summary>
internal sealed class StatelessWorkerGroup
{
    private readonly List<ActivationData> _workers = [];

    public StatelessWorkerGroup(int maxWorkers)
    {
        MaxWorkers = maxWorkers;
    }

    public int MaxWorkers { get; }

    public int Count
    {
        get
        {
            lock (_workers)
            {
                return _workers.Count;
            }
        }
    }

    public ActivationData Pick(Func<ActivationData> create, out bool created)
    {
        lock (_workers)
        {
            ActivationData? least = null;
            var leastRunning = int.MaxValue;
            foreach (var worker in _workers)
            {
                if (worker.IsInvalid)
                {
                    continue;
                }

                var load = worker.Load;
                if (load == 0 && worker.IsValid)
                {
                    created = false;
                    worker.Reserve();
                    return worker;
                }

                if (load < leastRunning)
                {
                    least = worker;
                    leastRunning = load;
                }
            }

            if (_workers.Count < MaxWorkers || least is null)
            {
                var fresh = create();
                fresh.Reserve();
                _workers.Add(fresh);
                created = true;
                return fresh;
            }

            created = false;
            least.Reserve();
            return least;
        }
    }

    public void Remove(ActivationData worker)
    {
        lock (_workers)
        {
            _workers.Remove(worker);
        }
    }

    public ActivationData[] Snapshot()
    {
        lock (_workers)
        {
            return [.. _workers];
        }
    }
}
