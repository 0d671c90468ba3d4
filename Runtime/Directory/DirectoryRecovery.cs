using DistInfer.Runtime.Membership;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;

namespace DistInfer.Runtime.Directory;

/// <summary>
/// Closes the window in which a directory owner has not yet received the entries of a partition it just took
/// over (a silo died or joined; survivors re-register their activations only when they see the new ring). During
/// <see cref="Window"/> after a ring change, and for grains this silo does not own by its own ring (the caller's
/// view is newer), a miss is not trusted: every active silo is asked whether it holds the grain, and an existing
/// activation is registered instead of admitting a second one.
/// </summary>
internal sealed class DirectoryRecovery
{
    /// <summary>Covers survivors seeing the change (table refresh, 1 s) plus their re-registration.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);
    private readonly IGrainFactory _factory;
    private readonly Func<GrainId, bool> _ownsByOwnRing;
    private ClusterMembershipSnapshot _snapshot;
    private long _changedAt = Environment.TickCount64;

    public DirectoryRecovery(IGrainFactory factory, Func<GrainId, bool> ownsByOwnRing, ClusterMembershipSnapshot snapshot)
    {
        _factory = factory;
        _ownsByOwnRing = ownsByOwnRing;
        _snapshot = snapshot;
    }

    public void OnRingChanged(ClusterMembershipSnapshot snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);
        Volatile.Write(ref _changedAt, Environment.TickCount64);
    }

    public bool IsRecovering(GrainId grainId) =>
        Environment.TickCount64 - Volatile.Read(ref _changedAt) < (long)Window.TotalMilliseconds || !_ownsByOwnRing(grainId);

    /// <summary>The silo holding an activation of <paramref name="grainId"/>, asked of every active silo; null when none does.</summary>
    public async Task<SiloAddress?> FindActivationAsync(GrainId grainId)
    {
        var silos = Volatile.Read(ref _snapshot).ActiveSilos;
        var queries = new Task<bool>[silos.Count];
        for (var i = 0; i < silos.Count; i++)
        {
            queries[i] = AskAsync(silos[i].Address, grainId);
        }

        await Task.WhenAll(queries).ConfigureAwait(false);
        for (var i = 0; i < queries.Length; i++)
        {
            if (queries[i].Result)
            {
                return silos[i].Address;
            }
        }

        return null;
    }

    private async Task<bool> AskAsync(SiloAddress silo, GrainId grainId)
    {
        try
        {
            var locator = _factory.GetGrain<IActivationLocator>(new GrainId(ActivationLocator.SystemTargetType, silo.ToString()));
            return await locator.HostsAsync(grainId).WaitAsync(QueryTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // An unreachable silo holds nothing anyone can call.
            return false;
        }
    }
}
