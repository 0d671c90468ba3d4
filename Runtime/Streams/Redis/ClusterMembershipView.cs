using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// The silo's membership seam (<see cref="IClusterMembershipService"/>) seen as an <see cref="IMembershipView"/>,
/// which the pulling agent follows to balance queues. Only status matters to the balancer; silos of another wire
/// protocol version are left out, as from <see cref="ClusterMembershipSnapshot.ActiveSilos"/>.
/// </summary>
internal sealed class ClusterMembershipView : IMembershipView, IDisposable
{
    private readonly IClusterMembershipService _membership;
    private readonly Lock _lock = new();
    private MembershipSnapshot _current;

    public ClusterMembershipView(IClusterMembershipService membership)
    {
        _membership = membership;
        _current = Convert(membership.Current);
        _membership.Changed += OnChanged;
    }

    public MembershipSnapshot CurrentSnapshot => Volatile.Read(ref _current);

    public event Action<MembershipUpdate>? MembershipChanged;

    public async IAsyncEnumerable<MembershipUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = Channel.CreateUnbounded<MembershipUpdate>();
        void Forward(MembershipUpdate update) => updates.Writer.TryWrite(update);
        MembershipChanged += Forward;
        try
        {
            yield return new MembershipUpdate(CurrentSnapshot, []);
            while (await updates.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (updates.Reader.TryRead(out var update))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            MembershipChanged -= Forward;
        }
    }

    public Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        OnChanged(_membership.Current);
        return Task.CompletedTask;
    }

    public void Dispose() => _membership.Changed -= OnChanged;

    private void OnChanged(ClusterMembershipSnapshot snapshot)
    {
        var next = Convert(snapshot);
        MembershipSnapshot previous;
        lock (_lock)
        {
            previous = _current;
            if (next.Version < previous.Version)
            {
                return;
            }

            _current = next;
        }

        MembershipChanged?.Invoke(new MembershipUpdate(next, next.ChangesSince(previous)));
    }

    private static MembershipSnapshot Convert(ClusterMembershipSnapshot snapshot)
    {
        var members = new Dictionary<SiloAddress, MembershipEntry>(snapshot.Silos.Count);
        foreach (var silo in snapshot.Silos)
        {
            // A silo of another wire protocol owns no queues: it would misread their entries, and its deliveries to
            // this build's silos are refused.
            if (silo.IsCompatible)
            {
                members[silo.Address] = new MembershipEntry { SiloAddress = silo.Address, SiloName = silo.Name, Status = silo.Status };
            }
        }

        return new MembershipSnapshot(snapshot.Version, new TableVersion(0, ""), members);
    }
}
