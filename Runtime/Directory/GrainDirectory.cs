using System.Collections.Concurrent;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Directory;

/// <summary>
/// The distributed grain directory: each grain's entry lives at the silo owning its hash on the ring of active
/// silos; look-ups are cached. Silos that leave take their entries with them (the next call activates elsewhere).
/// An owner's view may lag this silo's: an address it returns for a silo this view knows has left is evicted at
/// the owner and never handed to a caller.
/// </summary>
internal sealed class GrainDirectory
{
    public const string SystemTargetType = "sys.directory";

    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();
    private readonly SiloAddress _self;
    private readonly IGrainFactory _factory;
    private const int MaxOwnerRetries = 3;
    private static readonly TimeSpan HandOffWindow = TimeSpan.FromSeconds(30);
    private readonly TimeProvider _time;
    private readonly object _viewLock = new();
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
        Local = new GrainDirectoryPartition(IsAlive);
        Local.Recovery = new DirectoryRecovery(factory, id => OwnerOf(id) == _self, snapshot);
    }

    public GrainDirectoryPartition Local { get; }

    /// <summary>Changes when partitions moved (silos joined or left), so local activations re-register.</summary>
    public long RingVersion { get; private set; }

    public bool IsActive(SiloAddress silo) => silo == _self || Volatile.Read(ref _snapshot).IsActive(silo);

    /// <summary>
    /// Whether entries pointing at <paramref name="silo"/> stand: everything this view does not know has left. A silo
    /// still joining, or one that joined after this view was read (it missed the row, e.g. while the table was
    /// unreachable), hosts real activations; dropping their entries would let a grain activate twice.
    /// </summary>
    public bool IsAlive(SiloAddress silo) => !IsGone(silo);

    public SiloAddress OwnerOf(GrainId grainId) => Volatile.Read(ref _ring).Owner(grainId);

    public bool TryGetCached(GrainId grainId, out SiloAddress address)
    {
        if (_cache.TryGetValue(grainId, out address))
        {
            if (IsAlive(address))
            {
                return true;
            }

            _cache.TryRemove(grainId, out _);
        }

        return false;
    }

    public void Invalidate(GrainId grainId) => _cache.TryRemove(grainId, out _);

    /// <summary>
    /// A call to <paramref name="silo"/>, resolved here, failed as unavailable: forget the cached address so the
    /// next attempt re-resolves. Returns whether a retry can land elsewhere (this view no longer counts it active).
    /// </summary>
    public bool OnSiloUnavailable(GrainId grainId, SiloAddress silo)
    {
        if (_cache.TryGetValue(grainId, out var cached) && cached == silo)
        {
            _cache.TryRemove(grainId, out _);
        }

        return !IsActive(silo);
    }

    /// <summary>
    /// Whether this view knows <paramref name="silo"/> has left: listed as shutting down, stopping or dead, or unlisted
    /// although older than this silo (it was in the table when this silo joined). A joining silo, or an unlisted newer
    /// one, may just have joined, so it is not taken as gone.
    /// </summary>
    public bool IsGone(SiloAddress silo)
    {
        if (silo == _self)
        {
            return false;
        }

        return Volatile.Read(ref _snapshot).TryGet(silo, out var info)
            ? info.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead
            : silo.Generation < _self.Generation;
    }

    public async ValueTask<SiloAddress> RegisterAsync(GrainId grainId, SiloAddress address)
    {
        for (var attempt = 0; ; attempt++)
        {
            var owner = OwnerOf(grainId);
            try
            {
                return await RegisterAtAsync(owner, grainId, address).ConfigureAwait(false);
            }
            catch (SiloUnavailableException) when (attempt < MaxOwnerRetries && OwnerMoved(grainId, owner))
            {
                // The owner left while we asked it; the ring already names the next one.
            }
        }
    }

    public async ValueTask<SiloAddress?> LookupAsync(GrainId grainId)
    {
        if (TryGetCached(grainId, out var cached))
        {
            return cached;
        }

        for (var attempt = 0; ; attempt++)
        {
            var owner = OwnerOf(grainId);
            try
            {
                return await LookupAtAsync(owner, grainId).ConfigureAwait(false);
            }
            catch (SiloUnavailableException) when (attempt < MaxOwnerRetries && OwnerMoved(grainId, owner))
            {
                // As in RegisterAsync: ask the next owner.
            }
        }
    }

    private bool OwnerMoved(GrainId grainId, SiloAddress owner) => !IsActive(owner) || OwnerOf(grainId) != owner;

    private async ValueTask<SiloAddress> RegisterAtAsync(SiloAddress owner, GrainId grainId, SiloAddress address)
    {
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
            if (winner != address && IsGone(winner))
            {
                // The owner has not yet seen that silo leave; its entry is stale, not a live activation.
                await EvictAsync(owner, grainId, winner).ConfigureAwait(false);
                winner = await Remote(owner).RegisterAsync(grainId, address).ConfigureAwait(false);
            }
        }

        if (winner != _self)
        {
            _cache[grainId] = winner;
        }

        return winner;
    }

    private async ValueTask<SiloAddress?> LookupAtAsync(SiloAddress owner, GrainId grainId)
    {
        var found = owner == _self
            ? Local.Lookup(grainId) ?? await FromPreviousOwnerAsync(grainId).ConfigureAwait(false) ?? await Local.LookupAsync(grainId).ConfigureAwait(false)
            : await Remote(owner).LookupAsync(grainId).ConfigureAwait(false);
        if (found is not { } address)
        {
            return null;
        }

        if (IsGone(address))
        {
            // Never hand out an activation on a silo this view knows has left (the owner's view lags).
            if (owner != _self)
            {
                await EvictAsync(owner, grainId, address).ConfigureAwait(false);
            }

            return null;
        }

        if (address != _self)
        {
            _cache[grainId] = address;
        }

        return address;
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

    /// <summary>
    /// Applies a newer view; an older one is ignored. Membership raises Changed outside its own lock, so a snapshot read
    /// before a silo joined (a statistics publish racing the join) can arrive after the one with the new silo. Applying
    /// it would move this silo's ring back while its peers keep the new one: two silos would then register a grain at
    /// two different owners and both win.
    /// </summary>
    public void OnMembershipChanged(ClusterMembershipSnapshot snapshot)
    {
        lock (_viewLock)
        {
            if (snapshot.Version < _snapshot.Version)
            {
                return;
            }

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
        }

        Local.RemoveGone();
        foreach (var pair in _cache)
        {
            if (IsGone(pair.Value))
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
            return found is { } address && IsAlive(address) ? address : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private async Task EvictAsync(SiloAddress owner, GrainId grainId, SiloAddress stale)
    {
        try
        {
            await Remote(owner).UnregisterAsync(grainId, stale).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The owner is unreachable too; its partition goes with it.
        }
    }

    private IRemoteGrainDirectory Remote(SiloAddress silo) =>
        _factory.GetGrain<IRemoteGrainDirectory>(new GrainId(SystemTargetType, silo.ToString()));
}
