namespace DistInfer.Grains.Weights;

/// <summary>
/// Counts one activation's shipped and loaded bytes (thread-safe: loading runs in parallel) and publishes a
/// snapshot on every phase change and every 2% of progress, so a reporter is called about a hundred times at most.
/// </summary>
public sealed class WeightLoadTracker(string kind, string key, string silo, Action<WeightLoadProgress>? publish = null)
{
    private const int Steps = 50;
    private readonly Lock _gate = new();
    private long _total;
    private long _loaded;
    private long _toFetch;
    private long _fetched;
    private WeightLoadPhase _phase;
    private string? _error;
    private int _lastStep = -1;

    public WeightLoadProgress Snapshot()
    {
        lock (_gate)
        {
            return new WeightLoadProgress
            {
                Kind = kind,
                Key = key,
                Silo = silo,
                Phase = _phase,
                BytesTotal = _total,
                BytesLoaded = Interlocked.Read(ref _loaded),
                BytesToFetch = _toFetch,
                BytesFetched = Interlocked.Read(ref _fetched),
                Error = _error,
            };
        }
    }

    /// <summary>The activation knows its tensors: <paramref name="total"/> bytes, of which <paramref name="toFetch"/> must be shipped.</summary>
    public void Start(long total, long toFetch) => Move(WeightLoadPhase.Fetching, () =>
    {
        _total = total;
        _toFetch = toFetch;
    });

    public void Fetched(long bytes)
    {
        Interlocked.Add(ref _fetched, bytes);
        MaybePublish();
    }

    public void BeginLoading() => Move(WeightLoadPhase.Loading, null);

    public void Loaded(long bytes)
    {
        Interlocked.Add(ref _loaded, bytes);
        MaybePublish();
    }

    public void Complete() => Move(WeightLoadPhase.Loaded, () => Interlocked.Exchange(ref _loaded, _total));

    public void Fail(string error) => Move(WeightLoadPhase.Failed, () => _error = error);

    private void Move(WeightLoadPhase phase, Action? update)
    {
        lock (_gate)
        {
            update?.Invoke();
            _phase = phase;
            _lastStep = -1;
        }

        MaybePublish(force: true);
    }

    private void MaybePublish(bool force = false)
    {
        if (publish is null)
        {
            return;
        }

        WeightLoadProgress snapshot;
        lock (_gate)
        {
            var (done, of) = _phase == WeightLoadPhase.Fetching ? (Interlocked.Read(ref _fetched), _toFetch) : (Interlocked.Read(ref _loaded), _total);
            var step = of > 0 ? (int)(Math.Min(done, of) * Steps / of) : Steps;
            if (!force && step <= _lastStep)
            {
                return;
            }

            _lastStep = step;
            snapshot = Snapshot();
        }

        publish(snapshot);
    }
}
