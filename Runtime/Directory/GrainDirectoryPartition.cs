using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Directory;

/// <summary>
/// The entries this silo owns. Register-if-absent under a lock is what guarantees a single activation: concurrent
/// first calls from several silos all end at this partition and all but one learn the winner's address.
/// </summary>
internal sealed class GrainDirectoryPartition : IRemoteGrainDirectory
{
    private readonly Dictionary<GrainId, SiloAddress> _entries = [];
    private readonly Func<SiloAddress, bool> _isAlive;

    public GrainDirectoryPartition(Func<SiloAddress, bool> isAlive)
    {
        _isAlive = isAlive;
    }

    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    public SiloAddress Register(GrainId grainId, SiloAddress address)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(grainId, out var existing) && _isAlive(existing))
            {
                return existing;
            }

            _entries[grainId] = address;
            return address;
        }
    }

    public SiloAddress? Lookup(GrainId grainId)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(grainId, out var existing) && _isAlive(existing) ? existing : null;
        }
    }

    public void Unregister(GrainId grainId, SiloAddress address)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(grainId, out var existing) && existing == address)
            {
                _entries.Remove(grainId);
            }
        }
    }

    /// <summary>Drops entries pointing at silos known to have left (their grains will activate elsewhere).</summary>
    public void RemoveGone()
    {
        lock (_entries)
        {
            var dead = new List<GrainId>();
            foreach (var pair in _entries)
            {
                if (!_isAlive(pair.Value))
                {
                    dead.Add(pair.Key);
                }
            }

            foreach (var id in dead)
            {
                _entries.Remove(id);
            }
        }
    }

    /// <summary>Set by the directory: a miss is checked against the silos' catalogs while entries are moving.</summary>
    public DirectoryRecovery? Recovery { get; set; }

    public async Task<SiloAddress> RegisterAsync(GrainId grainId, SiloAddress address)
    {
        if (Recovery is { } recovery && Lookup(grainId) is null && recovery.IsRecovering(grainId)
            && await recovery.FindActivationAsync(grainId).ConfigureAwait(false) is { } existing)
        {
            return Register(grainId, existing);
        }

        return Register(grainId, address);
    }

    public async Task<SiloAddress?> LookupAsync(GrainId grainId)
    {
        if (Lookup(grainId) is { } found)
        {
            return found;
        }

        if (Recovery is { } recovery && recovery.IsRecovering(grainId)
            && await recovery.FindActivationAsync(grainId).ConfigureAwait(false) is { } existing)
        {
            return Register(grainId, existing);
        }

        return null;
    }

    public Task UnregisterAsync(GrainId grainId, SiloAddress address)
    {
        Unregister(grainId, address);
        return Task.CompletedTask;
    }
}
