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
    private readonly List<Channel<MembershipUpdate>> _watchers = [];
    private MembershipSnapshot _current = MembershipSnapshot.Empty;

    public MembershipSnapshot Current => Volatile.Read(ref _current);

    public event Action<MembershipUpdate>? Changed;

    /// <summary>Publishes <paramref name="data"/> when it differs from the current snapshot; returns the current.</summary>
    public MembershipSnapshot Publish(MembershipTableData data)
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

        var snapshot = new MembershipSnapshot(previous.Version + 1, data.Version, members);
        var update = new MembershipUpdate(snapshot, snapshot.ChangesSince(previous));
        Channel<MembershipUpdate>[] watchers;
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

    public async IAsyncEnumerable<MembershipUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MembershipUpdate>(new UnboundedChannelOptions { SingleReader = true });
        MembershipSnapshot first;
        lock (_lock)
        {
            first = _current;
            _watchers.Add(channel);
        }

        try
        {
            yield return new MembershipUpdate(first, first.ChangesSince(MembershipSnapshot.Empty));
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
