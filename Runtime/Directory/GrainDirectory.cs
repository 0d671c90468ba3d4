using System.Collections.Concurrent;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Directory;

/// <summary>
/// The distributed grain directory: each grain's entry lives at the silo owning its hash on the ring of active
/// silos; look-ups are cached. Silos that leave take their entries with them (the next call activates elsewhere).
/// </summary>
internal sealed class GrainDirectory
{
    public const string SystemTargetType = "sys.directory";

    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();
    private readonly SiloAddress _self;
    private readonly IGrainFactory _factory;
    private static readonly TimeSpan HandOffWindow = TimeSpan.FromSeconds(30);
    private readonly TimeProvider _time;
    private ClusterMembershipSnapshot _snapshot;
    private DirectoryRing _ring;
    private DirectoryRing? _previousRing;
    private long _ringChangedTimestamp;

    public GrainDirectory(SiloAddress self, IGrainFactory factory, ClusterMembershipSnapshot snapshot, TimeProvider time)
    {
        _self = self;
        _factory = factory;
        _time = time;
        _snapshot = snapshot;
        _ring = new DirectoryRing(snapshot);
        Local = new GrainDirectoryPartition(IsActive);
        Local.Recovery = new DirectoryRecovery(factory, id => OwnerOf(id) == _self, snapshot);
    }

    public GrainDirectoryPartition Local { get; }

    /// <summary>Changes when partitions moved (silos joined or left), so local activations re-register.</summary>
    public long RingVersion { get; private set; }

    public bool IsActive(SiloAddress silo) => silo == _self || Volatile.Read(ref _snapshot).IsActive(silo);

    public SiloAddress OwnerOf(GrainId grainId) => Volatile.Read(ref _ring).Owner(grainId);

    public bool TryGetCached(GrainId grainId, out SiloAddress address)
    {
        if (_cache.TryGetValue(grainId, out address))
        {
            if (IsActive(address))
            {
                return true;
            }

            _cache.TryRemove(grainId, out _);
        }

        return false;
    }

    public void Invalidate(GrainId grainId) => _cache.TryRemove(grainId, out _);

    public async ValueTask<SiloAddress> RegisterAsync(GrainId grainId, SiloAddress address)
    {
        var owner = OwnerOf(grainId);
        SiloAddress winner;
        if (owner == _self)
        {
            // Right after the ring changed, the entry may still live at its previous owner: adopt it, never duplicate.
            // When that owner died, the partition asks the silos' catalogs (DirectoryRecovery).
            winner = await FromPreviousOwnerAsync(grainId).ConfigureAwait(false) is { } existing
                ? Local.Register(grainId, existing)
                : await Local.RegisterAsync(grainId, address).ConfigureAwait(false);
        }
        else
        {
            winner = await Remote(owner).RegisterAsync(grainId, address).ConfigureAwait(false);
        }

        if (winner != _self)
        {
            _cache[grainId] = winner;
        }

        return winner;
    }

    public async ValueTask<SiloAddress?> LookupAsync(GrainId grainId)
    {
        if (TryGetCached(grainId, out var cached))
        {
            return cached;
        }

        var owner = OwnerOf(grainId);
        var found = owner == _self
            ? Local.Lookup(grainId) ?? await FromPreviousOwnerAsync(grainId).ConfigureAwait(false) ?? await Local.LookupAsync(grainId).ConfigureAwait(false)
            : await Remote(owner).LookupAsync(grainId).ConfigureAwait(false);
        if (found is { } address && address != _self)
        {
            _cache[grainId] = address;
        }

        return found;
    }

    public async Task UnregisterAsync(GrainId grainId, SiloAddress address)
    {
        _cache.TryRemove(grainId, out _);
        var owner = OwnerOf(grainId);
        if (owner == _self)
        {
            Local.Unregister(grainId, address);
        }
        else
        {
            await Remote(owner).UnregisterAsync(grainId, address).ConfigureAwait(false);
        }
    }

    public void OnMembershipChanged(ClusterMembershipSnapshot snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);
        var next = new DirectoryRing(snapshot);
        if (!next.SameOwners(_ring))
        {
            _previousRing = _ring;
            _ringChangedTimestamp = _time.GetTimestamp();
            RingVersion++;
            Local.Recovery?.OnRingChanged(snapshot);
        }

        Volatile.Write(ref _ring, next);
        Local.RemoveInactive();
        foreach (var pair in _cache)
        {
            if (!snapshot.IsActive(pair.Value))
            {
                _cache.TryRemove(pair.Key, out _);
            }
        }
    }

    private async ValueTask<SiloAddress?> FromPreviousOwnerAsync(GrainId grainId)
    {
        var previous = _previousRing;
        if (Local.Lookup(grainId) is not null || previous is null || previous.IsEmpty || _time.GetElapsedTime(_ringChangedTimestamp) > HandOffWindow)
        {
            return null;
        }

        var previousOwner = previous.Owner(grainId);
        if (previousOwner == _self || !IsActive(previousOwner))
        {
            return null;
        }

        try
        {
            var found = await Remote(previousOwner).LookupAsync(grainId).ConfigureAwait(false);
            return found is { } address && IsActive(address) ? address : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private IRemoteGrainDirectory Remote(SiloAddress silo) =>
        _factory.GetGrain<IRemoteGrainDirectory>(new GrainId(SystemTargetType, silo.ToString()));
}
