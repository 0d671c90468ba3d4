using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// Turns table reads into numbered snapshots and fans them out to the event and to watchers. Callers serialize
/// <see cref="Publish"/> (the agent reads the table under one lock), so updates leave in read order.
/// </summary>
internal sealed class MembershipSnapshotPublisher
{
    private readonly Lock _lock = new();
    private readonly List<Channel<ClusterMembershipUpdate>> _watchers = [];
    private ClusterMembershipSnapshot _current = ClusterMembershipSnapshot.Empty;

    public ClusterMembershipSnapshot Current => Volatile.Read(ref _current);

    public event Action<ClusterMembershipUpdate>? Changed;

    /// <summary>Publishes <paramref name="data"/> when it differs from the current snapshot; returns the current.</summary>
    public ClusterMembershipSnapshot Publish(MembershipTableData data)
    {
        var previous = Current;
        if (data.Version == previous.TableVersion && data.Rows.Count == previous.Members.Count)
        {
            return previous;
        }

        var members = new Dictionary<SiloAddress, MembershipEntry>(data.Rows.Count);
        foreach (var row in data.Rows)
        {
            members[row.Entry.SiloAddress] = row.Entry;
        }

        var snapshot = new ClusterMembershipSnapshot(previous.Version + 1, data.Version, members);
        var update = new ClusterMembershipUpdate(snapshot, snapshot.ChangesSince(previous));
        Channel<ClusterMembershipUpdate>[] watchers;
        lock (_lock)
        {
            Volatile.Write(ref _current, snapshot);
            watchers = [.. _watchers];
        }

        foreach (var change in update.Changes)
        {
            MembershipMetrics.StatusChanges.Add(1, new KeyValuePair<string, object?>("status", change.NewStatus.ToString()));
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(update);
        }

        Changed?.Invoke(update);
        return snapshot;
    }

    public async IAsyncEnumerable<ClusterMembershipUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ClusterMembershipUpdate>(new UnboundedChannelOptions { SingleReader = true });
        ClusterMembershipSnapshot first;
        lock (_lock)
        {
            first = _current;
            _watchers.Add(channel);
        }

        try
        {
            yield return new ClusterMembershipUpdate(first, first.ChangesSince(ClusterMembershipSnapshot.Empty));
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var update))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
